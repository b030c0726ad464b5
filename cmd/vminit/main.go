// Command vminit is the init (pid 1) of the conformance matrix's guests. It
// mounts what the suite needs, runs each test binary named in the plan with
// its output framed on the results serial port (ttyS1, raw), drains the
// port and powers off. It never exits: pid 1 exiting panics the kernel.
//
// Build it static (CGO_ENABLED=0): a dynamically linked init fails in the
// guest with a misleading "no such file or directory".
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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
	fmt.Fprintf(os.Stderr, "vminit: kernel %s, %d binaries\n", release(), len(plan.Runs))
	for _, r := range plan.Runs {
		port.WriteString(vmproto.Begin(r.Pkg))
		code := runBinary(r, plan.Env, port)
		port.WriteString(vmproto.End(r.Pkg, code))
		fmt.Fprintf(os.Stderr, "vminit: %s exit %d\n", r.Pkg, code)
	}
	port.WriteString(vmproto.Done)
	return nil
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
