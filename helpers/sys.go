package helpers

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Retry calls fn until it returns something other than EINTR. The Go
// runtime preempts goroutines with SIGURG, so any raw call that the kernel
// does not restart can fail with EINTR at random.
func Retry(fn func() error) error {
	for {
		err := fn()
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// Syscall makes a raw system call and returns a nil error on success, never
// a non-nil Errno(0). It retries on EINTR.
func Syscall(trap uintptr, args ...uintptr) (uintptr, error) {
	var a [6]uintptr
	copy(a[:], args)
	for {
		r, _, errno := unix.Syscall6(trap, a[0], a[1], a[2], a[3], a[4], a[5])
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return r, errno
		}
		return r, nil
	}
}

// SyscallOnce is Syscall without the EINTR retry, for tests about EINTR.
func SyscallOnce(trap uintptr, args ...uintptr) (uintptr, error) {
	var a [6]uintptr
	copy(a[:], args)
	r, _, errno := unix.Syscall6(trap, a[0], a[1], a[2], a[3], a[4], a[5])
	if errno != 0 {
		return r, errno
	}
	return r, nil
}

// Read is read(2) on a raw fd, retried on EINTR.
func Read(fd int, p []byte) (n int, err error) {
	err = Retry(func() error { n, err = unix.Read(fd, p); return err })
	return n, err
}

// Write is write(2) on a raw fd, retried on EINTR.
func Write(fd int, p []byte) (n int, err error) {
	err = Retry(func() error { n, err = unix.Write(fd, p); return err })
	return n, err
}

// ReadFull reads exactly len(p) bytes. End of file before that is
// io.ErrUnexpectedEOF (io.EOF when nothing at all was read).
func ReadFull(fd int, p []byte) error {
	for got := 0; got < len(p); {
		n, err := readFast(fd, p[got:])
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
		n, err := writeFast(fd, p[done:])
		if err != nil {
			return err
		}
		done += n
	}
	return nil
}

// ErrnoName names an error for failure messages: "EAGAIN" rather than the
// hex that an Errno prints as in testify's Equal.
func ErrnoName(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) {
		if name := unix.ErrnoName(errno); name != "" {
			return name
		}
		return fmt.Sprintf("errno %d", int(errno))
	}
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// RequireErrno fails the test unless err is exactly the errno want.
func RequireErrno(t testing.TB, err error, want unix.Errno, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %s, want %s", what, ErrnoName(err), ErrnoName(want))
	}
}

// fds tracks the raw fds a test owns, so that each is closed exactly once:
// by the test, or by its cleanup. A generation per fd keeps a stale cleanup
// from closing a later fd that reused the number.
var fds struct {
	sync.Mutex
	gen  uint64
	open map[int]uint64
}

// Own registers fd for closing when the test ends, unless Close closes it
// first.
func Own(t testing.TB, fd int) int {
	fds.Lock()
	if fds.open == nil {
		fds.open = map[int]uint64{}
	}
	fds.gen++
	gen := fds.gen
	fds.open[fd] = gen
	fds.Unlock()
	t.Cleanup(func() {
		fds.Lock()
		defer fds.Unlock()
		if fds.open[fd] == gen {
			delete(fds.open, fd)
			unix.Close(fd)
		}
	})
	return fd
}

// Close closes an fd registered with Own and reports close(2)'s error.
func Close(fd int) error {
	fds.Lock()
	delete(fds.open, fd)
	fds.Unlock()
	return unix.Close(fd)
}

// Pipe makes a pipe with pipe2(flags) whose ends the test owns.
func Pipe(t testing.TB, flags int) (r, w int) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], flags|unix.O_CLOEXEC); err != nil {
		t.Fatalf("pipe2: %s", ErrnoName(err))
	}
	return Own(t, p[0]), Own(t, p[1])
}

// SetNonblock sets or clears O_NONBLOCK on a raw fd.
func SetNonblock(t testing.TB, fd int, on bool) {
	t.Helper()
	if err := unix.SetNonblock(fd, on); err != nil {
		t.Fatalf("set O_NONBLOCK=%v on fd %d: %s", on, fd, ErrnoName(err))
	}
}

// Revents polls one fd for at most timeoutMs and returns its revents.
func Revents(fd int, events int16, timeoutMs int) (int16, error) {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: events}}
	err := Retry(func() error { _, err := unix.Poll(pfd, timeoutMs); return err })
	return pfd[0].Revents, err
}

// rawIO switches ReadFull and WriteFull to raw system calls that bypass
// the runtime's syscall entry and exit. Only a benchmark loop on a locked,
// pinned thread turns it on (BenchPingPong, and the echo peer it starts):
// there, entering a syscall lets the runtime wake another thread to take
// the P, which on one CPU costs more than the read itself. Tests never run
// with it, since a raw call blocked for ever would stall garbage collection.
var rawIO atomic.Bool

func readFast(fd int, p []byte) (int, error) {
	if rawIO.Load() {
		return rawRW(unix.SYS_READ, fd, p)
	}
	return Read(fd, p)
}

func writeFast(fd int, p []byte) (int, error) {
	if rawIO.Load() {
		return rawRW(unix.SYS_WRITE, fd, p)
	}
	return Write(fd, p)
}

func rawRW(trap uintptr, fd int, p []byte) (int, error) {
	for {
		n, _, errno := unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return 0, errno
		}
		return int(n), nil
	}
}

// FIONREAD returns the bytes waiting to be read on fd (x/sys/unix names the
// request TIOCINQ, its terminal alias).
func FIONREAD(fd int) (int, error) {
	return unix.IoctlGetInt(fd, unix.TIOCINQ)
}

// RawIO reports whether this process is in a benchmark loop's raw-syscall
// mode (see rawIO), for transports whose blocking calls are not read and
// write.
func RawIO() bool { return rawIO.Load() }
