package eventfd

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// newEventfd makes an eventfd with initial value init and flags
// (EFD_CLOEXEC added) that the test owns.
func newEventfd(t *testing.T, init uint, flags int) int {
	t.Helper()
	fd, err := unix.Eventfd(init, flags|unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatalf("eventfd(%d, %#x): %s", init, flags, sys.ErrnoName(err))
	}
	return sys.Own(t, fd)
}

func mustAdd(t *testing.T, fd int, n uint64) {
	t.Helper()
	if err := Add(fd, n); err != nil {
		t.Fatalf("write %d to the eventfd: %s", n, sys.ErrnoName(err))
	}
}

// requireTake reads the eventfd and requires the value want.
func requireTake(t *testing.T, fd int, want uint64, what string) {
	t.Helper()
	got, err := Take(fd)
	if err != nil {
		t.Fatalf("%s: read: %s", what, sys.ErrnoName(err))
	}
	if got != want {
		t.Fatalf("%s: read %d (%#x), want %d (%#x)", what, got, got, want, want)
	}
}

// requireEmpty requires a nonblocking eventfd's read to fail with EAGAIN:
// the counter is zero.
func requireEmpty(t *testing.T, fd int, what string) {
	t.Helper()
	v, err := Take(fd)
	if err == nil {
		t.Fatalf("%s: read %d, want EAGAIN from a counter at zero", what, v)
	}
	sys.RequireErrno(t, err, unix.EAGAIN, what)
}
