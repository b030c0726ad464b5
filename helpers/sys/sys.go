package sys

import (
	"errors"
	"io"
	"runtime"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// RetryValue calls op until it fails with something other than EINTR. The
// Go runtime preempts goroutines with SIGURG, so any call that the kernel
// does not restart can fail with EINTR at random. It is the one EINTR loop
// of the suite: every wrapper that retries goes through it.
func RetryValue[T any](op func() (T, error)) (T, error) {
	for {
		v, err := op()
		if !errors.Is(err, unix.EINTR) {
			return v, err
		}
	}
}

// Retry is RetryValue for a call that returns only an error.
func Retry(op func() error) error {
	_, err := RetryValue(func() (struct{}, error) { return struct{}{}, op() })
	return err
}

// Syscall makes a system call with numeric arguments, retried on EINTR,
// and returns a nil error on success, never a non-nil Errno(0). In a
// benchmark loop's raw mode (see SetRawIO) it bypasses the runtime's
// syscall entry and exit. A call that takes a pointer into Go memory goes
// through SyscallArgs.
func Syscall(trap uintptr, args ...uintptr) (uintptr, error) {
	var a [6]Arg
	for i, v := range args {
		a[i].n = v
	}
	return RetryValue(func() (uintptr, error) { return call(trap, &a) })
}

// SyscallOnce is Syscall without the EINTR retry, for tests about EINTR.
func SyscallOnce(trap uintptr, args ...uintptr) (uintptr, error) {
	var a [6]Arg
	for i, v := range args {
		a[i].n = v
	}
	return call(trap, &a)
}

// An Arg is one argument of SyscallArgs: a number (Num) or a pointer into
// Go memory (Ptr). A pointer stays a pointer until the system call itself:
// a uintptr taken earlier would go stale if the goroutine's stack moved on
// the way (a stack-allocated struct or array), and would not keep a heap
// object alive.
type Arg struct {
	n uintptr
	p unsafe.Pointer
}

// Num is a numeric argument.
func Num[I ~int | ~int32 | ~int64 | ~uint | ~uint32 | ~uint64 | ~uintptr](v I) Arg {
	return Arg{n: uintptr(v)}
}

// Ptr is a pointer argument; nil passes NULL.
func Ptr(p unsafe.Pointer) Arg { return Arg{p: p} }

// SyscallArgs is Syscall for a call with pointer arguments.
func SyscallArgs(trap uintptr, args ...Arg) (uintptr, error) {
	var a [6]Arg
	//lint:ignore S1001 escape analysis sends the pointers that copy moves to the heap: an allocation per call
	for i, v := range args {
		a[i] = v
	}
	return RetryValue(func() (uintptr, error) { return call(trap, &a) })
}

// SyscallArgsOnce is SyscallArgs without the EINTR retry.
func SyscallArgsOnce(trap uintptr, args ...Arg) (uintptr, error) {
	var a [6]Arg
	//lint:ignore S1001 escape analysis sends the pointers that copy moves to the heap: an allocation per call
	for i, v := range args {
		a[i] = v
	}
	return call(trap, &a)
}

// word is the register value of an argument. It must be computed in the
// argument list of the system call, with no function call in between
// (it is inlined): the stack cannot move there, and the unix.Syscall
// entry points do not grow it.
func (a *Arg) word() uintptr { return uintptr(a.p) + a.n }

func call(trap uintptr, a *[6]Arg) (uintptr, error) {
	var r uintptr
	var errno unix.Errno
	if rawIO.Load() {
		r, _, errno = unix.RawSyscall6(trap, a[0].word(), a[1].word(), a[2].word(), a[3].word(), a[4].word(), a[5].word())
	} else {
		r, _, errno = unix.Syscall6(trap, a[0].word(), a[1].word(), a[2].word(), a[3].word(), a[4].word(), a[5].word())
	}
	runtime.KeepAlive(a) // the pointers' objects live until the call returns
	if errno != 0 {
		return r, errno
	}
	return r, nil
}

// Read is read(2) on a raw fd, retried on EINTR (raw in raw mode).
func Read(fd int, p []byte) (int, error) {
	return RetryValue(func() (int, error) {
		if rawIO.Load() {
			return rawRW(unix.SYS_READ, fd, p)
		}
		return unix.Read(fd, p)
	})
}

// Write is write(2) on a raw fd, retried on EINTR (raw in raw mode).
func Write(fd int, p []byte) (int, error) {
	return RetryValue(func() (int, error) {
		if rawIO.Load() {
			return rawRW(unix.SYS_WRITE, fd, p)
		}
		return unix.Write(fd, p)
	})
}

// ReadFull reads exactly len(p) bytes. End of file before that is
// io.ErrUnexpectedEOF (io.EOF when nothing at all was read).
func ReadFull(fd int, p []byte) error {
	for got := 0; got < len(p); {
		var n int
		var err error
		if rawIO.Load() {
			n, err = rawRW(unix.SYS_READ, fd, p[got:])
		} else {
			n, err = Read(fd, p[got:])
		}
		if err != nil {
			return err
		}
		if n == 0 {
			if got == 0 {
				return io.EOF
			}
			return io.ErrUnexpectedEOF
		}
		got += n
	}
	return nil
}

// WriteFull writes all of p, continuing after partial writes.
func WriteFull(fd int, p []byte) error {
	for done := 0; done < len(p); {
		var n int
		var err error
		if rawIO.Load() {
			n, err = rawRW(unix.SYS_WRITE, fd, p[done:])
		} else {
			n, err = Write(fd, p[done:])
		}
		if err != nil {
			return err
		}
		done += n
	}
	return nil
}

// rawIO switches Syscall, Read and Write (and what is built on them) to raw
// system calls that bypass the runtime's syscall entry and exit. Only a
// benchmark loop on a locked, pinned thread turns it on (the ping-pong
// driver, and the echo peer it starts): there, entering a syscall lets the
// runtime wake another thread to take the P, which on one CPU costs more
// than the read itself. Tests never run with it, since a raw call blocked
// for ever would stall garbage collection.
var rawIO atomic.Bool

// SetRawIO turns raw mode on or off for the whole process.
func SetRawIO(on bool) { rawIO.Store(on) }

// RawIO reports whether this process is in a benchmark loop's raw mode.
func RawIO() bool { return rawIO.Load() }

// rawRW is read(2) or write(2) bypassing the runtime, retried on EINTR.
// ReadFull and WriteFull call it directly in raw mode: a ping-pong returns
// from every context switch through each frame between its loop and the
// system call, and each frame costs there what a C program does not pay.
// For the same reason it calls syscall.RawSyscall6 itself, which
// unix.RawSyscall reaches through two more frames.
func rawRW(trap uintptr, fd int, p []byte) (int, error) {
	for {
		n, _, errno := syscall.RawSyscall6(trap, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), 0, 0, 0)
		switch errno {
		case 0:
			return int(n), nil
		case unix.EINTR:
			continue
		}
		return 0, errno
	}
}
