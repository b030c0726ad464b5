package sys

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// DefaultSignal sets sig's disposition to SIG_DFL behind the Go runtime's
// back, for peers that must die of a signal the runtime would otherwise
// handle (SIGPIPE on fds other than 1 and 2 becomes EPIPE; SIGSEGV becomes
// a panic and exit code 2). signal.Reset does not do this: it restores the
// runtime's own handler. The struct is the kernel's sigaction on amd64 and
// arm64: handler, flags, restorer, mask.
func DefaultSignal(sig syscall.Signal) error {
	act := struct {
		handler, flags, restorer uintptr
		mask                     uint64
	}{handler: 0 /* SIG_DFL */}
	_, err := Syscall(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8)
	return err
}
