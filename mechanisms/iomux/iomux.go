// Package iomux tests readiness multiplexing between processes: select(2),
// poll(2) and epoll(7) watching fds that peer processes make ready, and
// benchmarks what each costs per ready event as the number of idle fds
// watched grows.
package iomux

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// EpollPwait2 is epoll_pwait2(2) (Linux 5.11), which x/sys/unix lacks:
// epoll_wait with a timespec timeout (nil waits for ever) and no signal
// mask. It is not retried on EINTR.
func EpollPwait2(epfd int, events []unix.EpollEvent, timeout *unix.Timespec) (int, error) {
	n, err := sys.SyscallArgsOnce(unix.SYS_EPOLL_PWAIT2, sys.Num(epfd), sys.Ptr(unsafe.Pointer(unsafe.SliceData(events))),
		sys.Num(len(events)), sys.Ptr(unsafe.Pointer(timeout)), sys.Ptr(nil), sys.Num(0))
	return int(n), err
}
