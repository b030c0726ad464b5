package sys

import (
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelSigaction is the kernel's struct sigaction on amd64 and arm64:
// handler, flags, restorer, mask (not libc's layout).
type kernelSigaction struct {
	handler, flags, restorer uintptr
	mask                     uint64
}

// SigactionKnown tells whether this architecture's kernel struct
// sigaction is the one DefaultSignal and SignalHandler use.
const SigactionKnown = runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64"

// saRestart is SA_RESTART (asm-generic/signal.h), which x/sys/unix lacks.
const saRestart = 0x10000000

// Handlers as the kernel holds them.
const (
	SigDfl uintptr = 0
	SigIgn uintptr = 1
)

// DefaultSignal sets sig's disposition to SIG_DFL behind the Go runtime's
// back, for peers that must die of a signal the runtime would otherwise
// handle (SIGPIPE on fds other than 1 and 2 becomes EPIPE; SIGSEGV becomes
// a panic and exit code 2). signal.Reset does not do this: it restores the
// runtime's own handler.
func DefaultSignal(sig syscall.Signal) error {
	act := kernelSigaction{handler: SigDfl}
	return sigaction(sig, &act, nil)
}

// SetHandler sets sig's handler as the kernel holds it (SigDfl, SigIgn or
// a function's address), with no flags: for tests of what rt_sigaction
// refuses, and peers that ignore a signal behind the runtime's back.
func SetHandler(sig syscall.Signal, handler uintptr) error {
	act := kernelSigaction{handler: handler}
	return sigaction(sig, &act, nil)
}

// SignalHandler returns sig's handler as the kernel holds it (SigDfl,
// SigIgn or a function's address), read with rt_sigaction: /proc's SigIgn
// and SigCgt lines are not on every kernel (gVisor has none).
func SignalHandler(sig syscall.Signal) (uintptr, error) {
	var old kernelSigaction
	err := sigaction(sig, nil, &old)
	return old.handler, err
}

// ClearRestart takes SA_RESTART off sig's handler as the kernel holds it.
// The Go runtime installs its handlers with the flag, under which the
// kernel restarts some interrupted calls (mq_timedreceive, mq_timedsend,
// read on a pipe) instead of failing them with EINTR.
func ClearRestart(sig syscall.Signal) error {
	var act kernelSigaction
	if err := sigaction(sig, nil, &act); err != nil {
		return err
	}
	act.flags &^= saRestart
	return sigaction(sig, &act, nil)
}

// SaResetHand is SA_RESETHAND (asm-generic/signal.h).
const SaResetHand = 0x80000000

// AddFlags adds flags (SA_RESETHAND, say) to sig's handler as the kernel
// holds it, leaving the handler and its other flags as they are.
func AddFlags(sig syscall.Signal, flags uintptr) error {
	var act kernelSigaction
	if err := sigaction(sig, nil, &act); err != nil {
		return err
	}
	act.flags |= flags
	return sigaction(sig, &act, nil)
}

// sigaction is rt_sigaction(2). The pointers are converted in the call
// itself, so that the structs stay put while the kernel reads and writes
// them (rt_sigaction does not sleep, so there is no EINTR to retry).
func sigaction(sig syscall.Signal, act, old *kernelSigaction) error {
	_, _, errno := unix.Syscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(old)), 8, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
