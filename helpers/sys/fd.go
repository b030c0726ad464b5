package sys

import (
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

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
	_, err := RetryValue(func() (int, error) { return unix.Poll(pfd, timeoutMs) })
	return pfd[0].Revents, err
}

// FIONREAD returns the bytes waiting to be read on fd (x/sys/unix names the
// request TIOCINQ, its terminal alias).
func FIONREAD(fd int) (int, error) {
	return unix.IoctlGetInt(fd, unix.TIOCINQ)
}
