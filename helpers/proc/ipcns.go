package proc

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// A MainOption changes how Main runs a package's tests.
type MainOption func()

const envIPCNamespace = "IPCSUITE_OWN_IPC_NAMESPACE"

// OwnIPCNamespace runs the package's tests in a fresh IPC namespace: the
// test binary re-executes itself with CLONE_NEWIPC. SysV objects and POSIX
// message queues are per namespace, so packages that go test runs at the
// same time cannot see each other's objects or share their system-wide
// limits, and the leak check sees only this package's objects. Where the
// namespace cannot be made (no CAP_SYS_ADMIN, a sandbox), the tests run in
// the machine's namespace, and say so.
func OwnIPCNamespace() {
	if os.Getenv(envIPCNamespace) != "" {
		return // this is the copy inside the namespace
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "ipcsuite: own IPC namespace: %v\n", err)
		return
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), envIPCNamespace+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWIPC, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "ipcsuite: no IPC namespace of its own (%v): tests share the machine's\n", err)
		return
	}
	// go test's timeout sends SIGQUIT for a goroutine dump; pass it and
	// other ends on to the copy that runs the tests.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		if ws.Signaled() {
			fmt.Fprintf(os.Stderr, "ipcsuite: the tests were killed by %s\n", unix.SignalName(ws.Signal()))
			os.Exit(2)
		}
		os.Exit(ws.ExitStatus())
	}
	fmt.Fprintf(os.Stderr, "ipcsuite: tests in own IPC namespace: %v\n", err)
	os.Exit(2)
}
