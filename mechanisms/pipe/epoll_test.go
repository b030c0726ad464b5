package pipe

// Edge-triggered epoll on a pipe: whether a write onto unread data wakes
// a waiter depends on the kernel (sys.PipeWakesOnEveryWrite).

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// epollWaitForever is epoll_wait on ep without a timeout, retried on
// EINTR, its one event named "FD:0xEVENTS".
func epollWaitForever(ep int) func() string {
	return func() string {
		got := make([]unix.EpollEvent, 1)
		n, err := sys.RetryValue(func() (int, error) { return unix.EpollWait(ep, got, -1) })
		if err != nil {
			return sys.ErrnoName(err)
		}
		return fmt.Sprintf("%d events, fd %d:%#x", n, got[0].Fd, got[0].Events)
	}
}

// An edge-triggered waiter asleep on a pipe that already holds unread data
// is woken by the writer peer's next write where the kernel wakes readers
// on every write, and sleeps on where it wakes them only for an empty
// pipe; there, only a write into the drained pipe wakes it.
func TestEdgeTriggeredEpollWaiterAndAWriteOntoUnreadData(t *testing.T) {
	wakes, why := sys.PipeWakesOnEveryWrite(t)
	t.Logf("Linux %s: %s", sys.KernelRelease(), why)
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatalf("epoll_create1: %s", sys.ErrnoName(err))
	}
	sys.Own(t, ep)
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, r, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(r)}); err != nil {
		t.Fatalf("epoll_ctl(ADD, EPOLLIN|EPOLLET): %s", sys.ErrnoName(err))
	}
	peer := spawnEnd(t, w, false)
	peer.Must(t, "1", "write a")
	readable := fmt.Sprintf("1 events, fd %d:%#x", r, unix.EPOLLIN)
	if got := sys.Returns(t, "epoll_wait after the first write", epollWaitForever(ep)); got != readable {
		t.Fatalf("epoll_wait after the first write: %s, want %s", got, readable)
	}

	// The edge is used up: a waiter sleeps though the pipe holds data.
	waiter := sys.Start("edge-triggered epoll_wait on a pipe holding unread data", epollWaitForever(ep))
	waiter.RequireBlocked(t)
	peer.Must(t, "1", "write b")
	if !wakes {
		waiter.RequireBlocked(t)
		requireRead(t, r, 64, "ab")
		peer.Must(t, "1", "write c")
	}
	if got := waiter.Wait(t); got != readable {
		t.Fatalf("edge-triggered epoll_wait once woken: %s, want %s", got, readable)
	}
}
