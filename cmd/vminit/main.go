// Command vminit is the init (pid 1) of the conformance matrix's guests. It
// mounts what the suite needs, runs each test binary named in the plan with
// its output framed on the results serial port (ttyS1, raw), drains the
// port and powers off. It never exits: pid 1 exiting panics the kernel.
//
// Build it static (CGO_ENABLED=0): a dynamically linked init fails in the
// guest with a misleading "no such file or directory".
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/cmd/internal/vmproto"
)

const resultsPort = "/dev/ttyS1"

func main() {
	if filepath.Base(os.Args[0]) == "sleep" {
		os.Exit(sleep(os.Args[1:]))
	}
	if os.Getpid() != 1 {
		fmt.Fprintln(os.Stderr, "vminit: runs only as pid 1 inside a matrix guest")
		os.Exit(2)
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "vminit:", err)
	}
	powerOff()
}

func run() error {
	if err := mountAll(); err != nil {
		return err
	}
	if err := loopbackUp(); err != nil {
		fmt.Fprintln(os.Stderr, "vminit: loopback:", err) // only sockets over lo need it
	}
	data, err := os.ReadFile(vmproto.PlanPath)
	if err != nil {
		return err
	}
	var plan vmproto.Plan
	if err := json.Unmarshal(data, &plan); err != nil {
		return fmt.Errorf("plan: %v", err)
	}
	port, err := openRaw(resultsPort)
	if err != nil {
		return err
	}
	defer drain(port)
	fmt.Fprintf(os.Stderr, "vminit: kernel %s, %d binaries, %d at once\n", release(), len(plan.Runs), min(max(plan.Parallel, 1), len(plan.Runs)))
	runAll(plan, port)
	port.WriteString(vmproto.Done)
	return nil
}

// runAll runs the plan's binaries, plan.Parallel at a time, in the plan's
// order. One at a time, a binary's output goes to the port as it comes;
// several at a time, it is held until the binary ends and then sent whole
// between its frames.
func runAll(plan vmproto.Plan, port *os.File) {
	if plan.Parallel <= 1 {
		for _, r := range plan.Runs {
			port.WriteString(vmproto.Begin(r.Pkg))
			code, elapsed := runBinary(r, plan.Env, port)
			port.WriteString(vmproto.End(r.Pkg, code, elapsed))
		}
		return
	}
	var mu sync.Mutex // one binary's frames and output at a time on the port
	runs := make(chan vmproto.Run)
	var wg sync.WaitGroup
	for range min(plan.Parallel, len(plan.Runs)) {
		wg.Go(func() {
			for r := range runs {
				var out bytes.Buffer
				code, elapsed := runBinary(r, plan.Env, &out)
				mu.Lock()
				port.WriteString(vmproto.Begin(r.Pkg))
				port.Write(out.Bytes())
				port.WriteString(vmproto.End(r.Pkg, code, elapsed))
				mu.Unlock()
			}
		})
	}
	for _, r := range plan.Runs {
		runs <- r
	}
	close(runs)
	wg.Wait()
}

func release() string {
	var u unix.Utsname
	unix.Uname(&u)
	return unix.ByteSliceToString(u.Release[:])
}

// sleep stands in for sleep(1) SECONDS, for tests that start a stray
// process.
func sleep(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: sleep SECONDS")
		return 1
	}
	s, err := strconv.ParseFloat(args[0], 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sleep:", err)
		return 1
	}
	time.Sleep(time.Duration(s * float64(time.Second)))
	return 0
}
