// Command vmexec runs a test binary on one of the matrix's kernels, for
// debugging a cell of the conformance matrix with ordinary go test:
//
//	go build -o /tmp/vmexec ./cmd/vmexec
//	CGO_ENABLED=0 go test -exec '/tmp/vmexec -kernel 5.10' ./mechanisms/pipe
//
// It fetches the kernel (cached), builds an initramfs with the binary, the
// package's testdata and the guest init, boots it under qemu, streams the
// binary's output and exits with its status; 3 when the guest failed.
package main

import (
	"context"
	"debug/elf"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ipcsuite/ipcsuite/cmd/internal/guest"
	"github.com/ipcsuite/ipcsuite/cmd/internal/kernels"
	"github.com/ipcsuite/ipcsuite/cmd/internal/vmproto"
)

const exitBoot = 3

func main() {
	kernel := flag.String("kernel", "5.10", "kernel column: 5.10, 6.1, 6.12 or 7.x")
	timescale := flag.String("timescale", "20", "IPCSUITE_TIMESCALE in the guest")
	limit := flag.Duration("limit", 30*time.Minute, "kill the guest after this long")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: vmexec [-kernel 5.10] TEST-BINARY [ARGS...]  (as go test -exec)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() < 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, *kernel, *timescale, *limit, flag.Arg(0), flag.Args()[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmexec:", err)
	}
	os.Exit(code)
}

func run(ctx context.Context, kernel, timescale string, limit time.Duration, binary string, args []string) (int, error) {
	if err := requireStatic(binary); err != nil {
		return 2, err
	}
	suite, err := kernels.Lookup(kernel)
	if err != nil {
		return 2, err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return 2, err
	}
	quiet := func(string, ...any) {}
	k, err := kernels.Fetch(ctx, suite, filepath.Join(cache, "ipcsuite", "kernels"), quiet)
	if err != nil {
		return exitBoot, err
	}
	work, err := os.MkdirTemp("", "vmexec-")
	if err != nil {
		return 2, err
	}
	defer os.RemoveAll(work)
	initPath := filepath.Join(work, "vminit")
	build := exec.CommandContext(ctx, "go", "build", "-o", initPath, "github.com/ipcsuite/ipcsuite/cmd/vminit")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return 2, fmt.Errorf("build the guest init: %v\n%s", err, out)
	}

	// go test runs the binary in the package's directory: so does the guest.
	name := filepath.Base(binary)
	bin := guest.Binary{Pkg: name, Local: binary}
	if fi, err := os.Stat("testdata"); err == nil && fi.IsDir() {
		bin.Testdata, _ = filepath.Abs("testdata")
	}
	plan := vmproto.Plan{
		Env:  []string{"IPCSUITE_TIMESCALE=" + timescale},
		Runs: []vmproto.Run{{Pkg: name, Path: guest.GuestBinary(name), Dir: guest.GuestDir(name), Args: args}},
	}
	initrd := filepath.Join(work, "initramfs.cpio")
	f, err := os.Create(initrd)
	if err != nil {
		return 2, err
	}
	err = guest.Initramfs(f, initPath, []guest.Binary{bin}, plan)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 2, err
	}

	live := vmproto.NewFilter(os.Stdout)
	res := guest.Run(ctx, k.Path, initrd, filepath.Join(work, "console.log"), limit, live)
	live.Close()
	if res.Err != nil || len(res.Segments) != 1 || !res.Segments[0].Ended {
		os.Stderr.Write(tail(res.Console, 4096))
		return exitBoot, fmt.Errorf("guest %s (%s %s): %v", suite.Label, k.Package, k.Version, res.Err)
	}
	if code := res.Segments[0].Exit; code != 0 {
		return max(code, 1), nil
	}
	return 0, nil
}

// requireStatic refuses a dynamically linked binary, which would fail in
// the guest with a misleading "no such file or directory".
func requireStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked: build it with CGO_ENABLED=0", path)
		}
	}
	return nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
