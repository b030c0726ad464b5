// Command matrix runs the semantics suite on several Linux kernels, on this
// machine and under gVisor, and prints the conformance matrix: a row per
// test, a column per kernel, each cell pass, skip or FAIL with the reason
// one step away, and how long each package took in each column. An
// expected-differences file decides the exit code: 0 when every skip and
// failure is explained, 1 when one is not (or an expected failure passed,
// or a guest oopsed, hung or died after it booted), 3 when a guest did not
// boot twice in a row.
//
//	go run ./cmd/matrix [-kernels 5.10,6.1,6.12,7.x] [-host] [-gvisor] [-out out/matrix] [-jobs 8]
//	go run ./cmd/matrix -render          # re-render and judge the saved results
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ipcsuite/ipcsuite/helpers/sys"

	"github.com/ipcsuite/ipcsuite/cmd/internal/guest"
	"github.com/ipcsuite/ipcsuite/cmd/internal/kernels"
	"github.com/ipcsuite/ipcsuite/cmd/internal/vmproto"
)

type config struct {
	kernels   []kernels.Suite
	host      bool
	gvisor    bool
	out       string
	expect    string
	timescale string
	parallel  int
	jobs      int
	render    bool
}

func main() {
	var c config
	var kernelList string
	flag.StringVar(&kernelList, "kernels", "5.10,6.1,6.12,7.x", "kernel columns, comma-separated (empty for none)")
	flag.BoolVar(&c.host, "host", true, "run the host column")
	flag.BoolVar(&c.gvisor, "gvisor", true, "run the gVisor column (runsc)")
	flag.StringVar(&c.out, "out", "out/matrix", "directory for results, the markdown and the HTML page")
	flag.StringVar(&c.expect, "expect", "testdata/matrix/expected.txt", "expected-differences file")
	flag.StringVar(&c.timescale, "timescale", "20", "IPCSUITE_TIMESCALE in the guests (TCG runs code 10 to 40 times slower)")
	flag.IntVar(&c.parallel, "parallel", 2, "guests at once")
	flag.IntVar(&c.jobs, "jobs", 8, "test binaries a guest runs at once (each in its own IPC namespace, as go test runs packages)")
	flag.BoolVar(&c.render, "render", false, "only render and judge the results already in -out")
	flag.Parse()
	for _, name := range strings.FieldsFunc(kernelList, func(r rune) bool { return r == ',' || r == ' ' }) {
		s, err := kernels.Lookup(name)
		if err != nil {
			fatal(err)
		}
		c.kernels = append(c.kernels, s)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !c.render {
		if err := runAll(ctx, c); err != nil {
			fatal(err)
		}
	}
	code, err := renderAndJudge(c)
	if err != nil {
		fatal(err)
	}
	os.Exit(code)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "matrix:", err)
	os.Exit(2)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "matrix: "+format+"\n", args...)
}

// Timeouts per binary: the host and gVisor run at native speed, guests
// about 20 times slower.
const (
	nativeTimeout = 5 * time.Minute
	guestTimeout  = 15 * time.Minute
)

func runAll(ctx context.Context, c config) error {
	start := time.Now()
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	clearResults(c.out)
	bins, err := testPackages(ctx)
	if err != nil {
		return err
	}
	initPath, err := buildAll(ctx, bins, filepath.Join(c.out, "bin"))
	if err != nil {
		return err
	}
	logf("built %d test binaries in %v", len(bins), time.Since(start).Round(time.Second))

	var fetched []kernels.Kernel
	if len(c.kernels) > 0 {
		cache, err := kernelCache()
		if err != nil {
			return err
		}
		for _, s := range c.kernels {
			k, err := kernels.Fetch(ctx, s, cache, logf)
			if err != nil {
				return fmt.Errorf("kernel %s: %v", s.Label, err)
			}
			fetched = append(fetched, k)
		}
	}

	// Native columns first, alone: guests would take both CPUs from them.
	if c.host {
		logf("running the host column")
		if err := save(ctx, c.out, native(ctx, "host", hostDetail(), nil, bins, nativeTimeout)); err != nil {
			return err
		}
	}
	if c.gvisor {
		logf("running the gVisor column")
		if err := save(ctx, c.out, native(ctx, "gVisor", gvisorDetail(), gvisorPrefix, bins, nativeTimeout)); err != nil {
			return err
		}
	}
	if len(fetched) == 0 {
		return nil
	}

	initrd := filepath.Join(c.out, "bin", "initramfs.cpio")
	jobs := max(c.jobs, 1)
	if err := writeInitramfs(initrd, initPath, bins, c.timescale, jobs); err != nil {
		return err
	}
	rounds := (len(bins) + jobs - 1) / jobs // of binaries at once
	limit := time.Duration(rounds)*guestTimeout + 2*time.Minute
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(c.parallel, 1))
	errs := make(chan error, len(fetched))
	for _, k := range fetched {
		// Take the slot here, not in the goroutine, so that guests start in
		// the order given: the oldest kernel, the slowest, goes first.
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			logf("booting %s (%s %s)", k.Label, k.Package, k.Version)
			console := filepath.Join(c.out, fileName(k.Label)+".console.log")
			r := inGuest(ctx, k.Label, k.Path, k.Package+" "+k.Version, initrd, console, limit, logf)
			errs <- save(ctx, c.out, r)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	logf("all columns in %v", time.Since(start).Round(time.Second))
	return nil
}

func writeInitramfs(path, initPath string, bins []guest.Binary, timescale string, jobs int) error {
	// A guest's kernel serves this run alone: the tests may change its
	// machine-wide settings there.
	env := []string{"IPCSUITE_TIMESCALE=" + timescale, sys.OwnMachineEnv + "=1"}
	plan := vmproto.Plan{Env: env, Parallel: jobs}
	for _, b := range bins {
		plan.Runs = append(plan.Runs, vmproto.Run{
			Pkg: b.Pkg, Path: guest.GuestBinary(b.Pkg), Dir: guest.GuestDir(b.Pkg),
			Args: testArgs(guestTimeout),
		})
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := guest.Initramfs(f, initPath, bins, plan); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// kernelCache is where vmlinuz files are kept between runs.
func kernelCache() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "ipcsuite", "kernels"), nil
}
