// Package posixmq holds raw wrappers for POSIX message queues (mq_open,
// mq_timedsend, mq_timedreceive, mq_getsetattr, mq_notify, mq_unlink), which
// x/sys/unix does not wrap, and the table's posixmq transport; its tests
// prove the semantics of man 7 mq_overview between real processes.
package posixmq

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Attr is the kernel's struct mq_attr: every field a long, then four
// reserved longs.
type Attr struct {
	Flags   int64 // O_NONBLOCK or 0
	Maxmsg  int64 // the most messages the queue holds
	Msgsize int64 // the longest message
	Curmsgs int64 // messages queued now
	_       [4]int64
}

// Every pointer below is converted to a uintptr in the argument list of
// unix.Syscall6 itself, where the compiler keeps the object in place until
// the call returns. Passed on as a uintptr through further calls (as
// sys.Syscall takes them), a pointer to a variable on the goroutine's stack
// goes stale when one of those calls grows and moves the stack: the kernel
// then writes into the old copy.

// result is the outcome of one raw call, for sys.RetryValue.
func result(r uintptr, _ uintptr, e unix.Errno) (uintptr, error) {
	if e != 0 {
		return r, e
	}
	return r, nil
}

// Open is mq_open(2). name has no leading '/': the raw call takes the name
// as glibc passes it, stripped. attr sets the new queue's limits (nil for
// the defaults); it counts only with O_CREAT.
func Open(name string, flags int, mode uint32, attr *Attr) (int, error) {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return -1, err
	}
	fd, err := sys.RetryValue(func() (uintptr, error) {
		return result(unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(p)), uintptr(flags), uintptr(mode), uintptr(unsafe.Pointer(attr)), 0, 0))
	})
	return int(fd), err
}

// Unlink is mq_unlink(2) of a name without its leading '/'.
func Unlink(name string) error {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return err
	}
	_, err = sys.RetryValue(func() (uintptr, error) {
		return result(unix.Syscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(p)), 0, 0))
	})
	return err
}

// timedSend is one mq_timedsend(2).
func timedSend(fd int, msg []byte, prio uint, deadline *unix.Timespec) (uintptr, error) {
	return result(unix.Syscall6(unix.SYS_MQ_TIMEDSEND, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(msg))), uintptr(len(msg)), uintptr(prio), uintptr(unsafe.Pointer(deadline)), 0))
}

// TimedSend is mq_timedsend(2): it queues msg with priority prio, waiting
// for room until the absolute CLOCK_REALTIME deadline (nil: without end).
// It is retried on EINTR.
func TimedSend(fd int, msg []byte, prio uint, deadline *unix.Timespec) error {
	_, err := sys.RetryValue(func() (uintptr, error) { return timedSend(fd, msg, prio, deadline) })
	return err
}

// SendOnce is mq_timedsend without a deadline or the EINTR retry, for
// tests about EINTR.
func SendOnce(fd int, msg []byte, prio uint) error {
	_, err := timedSend(fd, msg, prio, nil)
	return err
}

// Send is mq_send: TimedSend without a deadline.
func Send(fd int, msg []byte, prio uint) error { return TimedSend(fd, msg, prio, nil) }

// timedReceive is one mq_timedreceive(2).
func timedReceive(fd int, buf []byte, prio *uint32, deadline *unix.Timespec) (uintptr, error) {
	return result(unix.Syscall6(unix.SYS_MQ_TIMEDRECEIVE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(len(buf)), uintptr(unsafe.Pointer(prio)), uintptr(unsafe.Pointer(deadline)), 0))
}

// TimedReceive is mq_timedreceive(2) into buf, which must hold mq_msgsize
// bytes: it returns the message's length and priority, waiting until the
// absolute CLOCK_REALTIME deadline (nil: without end). It is retried on
// EINTR.
func TimedReceive(fd int, buf []byte, deadline *unix.Timespec) (n int, prio uint, err error) {
	p := new(uint32)
	r, err := sys.RetryValue(func() (uintptr, error) { return timedReceive(fd, buf, p, deadline) })
	return int(r), uint(*p), err
}

// ReceiveOnce is mq_timedreceive without a deadline or the EINTR retry,
// for tests about EINTR.
func ReceiveOnce(fd int, buf []byte) error {
	_, err := timedReceive(fd, buf, nil, nil)
	return err
}

// Receive is mq_receive: TimedReceive without a deadline.
func Receive(fd int, buf []byte) (int, uint, error) { return TimedReceive(fd, buf, nil) }

// GetSetAttr is mq_getsetattr(2): it returns the queue's attributes as they
// were and, when set is not nil, applies set (of which only O_NONBLOCK in
// Flags counts).
func GetSetAttr(fd int, set *Attr) (Attr, error) {
	old := new(Attr)
	_, err := sys.RetryValue(func() (uintptr, error) {
		return result(unix.Syscall(unix.SYS_MQ_GETSETATTR, uintptr(fd), uintptr(unsafe.Pointer(set)), uintptr(unsafe.Pointer(old))))
	})
	return *old, err
}

// GetAttr is mq_getattr: GetSetAttr without a change.
func GetAttr(fd int) (Attr, error) { return GetSetAttr(fd, nil) }

// Sigevent is the kernel's struct sigevent, as mq_notify reads it:
// sigev_value (a union of an int and a pointer), sigev_signo,
// sigev_notify, then a union that pads the struct to 64 bytes. amd64 and
// arm64 lay it out alike; SigeventKnown says whether this is one of them.
type Sigevent struct {
	Value  uint64 // sival_ptr, or sival_int in its low half
	Signo  int32
	Notify int32 // SigevSignal or SigevNone
	_      [12]int32
}

// SigeventKnown tells whether Sigevent is this architecture's layout.
const SigeventKnown = runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64"

// sigev_notify values (asm-generic/siginfo.h), which x/sys/unix lacks.
const (
	SigevSignal = 0 // send sigev_signo
	SigevNone   = 1 // register, but send nothing
)

// SiMesgq is si_code SI_MESGQ: a signal sent by mq_notify.
const SiMesgq = -3

// Notify is mq_notify(2): it registers the calling process for one
// notification on the queue, or, with ev nil, removes its registration.
// It does not sleep, so there is no EINTR to retry.
func Notify(fd int, ev *Sigevent) error {
	_, _, errno := unix.Syscall(unix.SYS_MQ_NOTIFY, uintptr(fd), uintptr(unsafe.Pointer(ev)), 0)
	if errno != 0 {
		return errno
	}
	return nil
}
