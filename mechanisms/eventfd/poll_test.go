package eventfd

// poll readiness: readable while the counter is above zero, writable while
// it is below Max, and POLLERR once it has overflowed.

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

const inOut = unix.POLLIN | unix.POLLOUT

// requireRevents polls fd for POLLIN and POLLOUT at once and requires
// exactly want.
func requireRevents(t *testing.T, fd int, want int16, what string) {
	t.Helper()
	rev, err := sys.Revents(fd, inOut, 0)
	if err != nil {
		t.Fatalf("%s: poll: %s", what, sys.ErrnoName(err))
	}
	if rev != want {
		t.Fatalf("%s: revents %#x, want %#x", what, rev, want)
	}
}

func TestPollReadiness(t *testing.T) {
	t.Run("zero_is_writable_not_readable", func(t *testing.T) {
		fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
		requireRevents(t, fd, unix.POLLOUT, "counter at zero")
	})
	t.Run("a_count_is_readable_and_writable", func(t *testing.T) {
		fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
		peer := spawnCounter(t, fd)
		peer.Must(t, "ok", "add 1")
		requireRevents(t, fd, unix.POLLIN|unix.POLLOUT, "counter at 1")
	})
	t.Run("Max_is_readable_not_writable", func(t *testing.T) {
		fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
		mustAdd(t, fd, Max)
		requireRevents(t, fd, unix.POLLIN, "counter at Max, no room for 1")
		requireTake(t, fd, Max, "counter at Max")
		requireRevents(t, fd, unix.POLLOUT, "counter read back to zero")
	})
	t.Run("poll_waits_until_a_peer_writes", func(t *testing.T) {
		fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
		peer := spawnCounter(t, fd)
		rev := sys.Blocks(t, "poll for POLLIN on a counter at zero",
			func() int16 { rev, _ := sys.Revents(fd, unix.POLLIN, -1); return rev },
			func() { peer.Must(t, "ok", "add 2") })
		if rev != unix.POLLIN {
			t.Fatalf("poll once the peer wrote: revents %#x, want POLLIN", rev)
		}
	})
}

// Past Max only the kernel can add (here an AIO completion): the counter
// then holds the all-ones value, poll reports POLLERR with POLLIN, select
// reports the fd readable and writable, and a read returns the all-ones
// value and clears the overflow.
func TestOverflowIsPOLLERR(t *testing.T) {
	fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
	mustAdd(t, fd, Max)
	signalByAIO(t, fd)
	requireRevents(t, fd, unix.POLLIN|unix.POLLERR, "counter overflowed")

	var r, w unix.FdSet
	r.Set(fd)
	w.Set(fd)
	n, err := sys.RetryValue(func() (int, error) { return unix.Select(fd+1, &r, &w, nil, &unix.Timeval{}) })
	if err != nil || n != 2 || !r.IsSet(fd) || !w.IsSet(fd) {
		t.Fatalf("select on the overflowed counter: %d, %s, readable %v, writable %v; want both", n, sys.ErrnoName(err), r.IsSet(fd), w.IsSet(fd))
	}
	requireTake(t, fd, ^uint64(0), "counter overflowed")
	requireRevents(t, fd, unix.POLLOUT, "after the read")
}
