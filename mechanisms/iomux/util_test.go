package iomux

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// newEpoll makes an epoll instance that the test owns.
func newEpoll(t *testing.T) int {
	t.Helper()
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatalf("epoll_create1: %s", sys.ErrnoName(err))
	}
	return sys.Own(t, ep)
}

// epollAdd registers fd in ep for events, with fd as the event's data.
func epollAdd(t *testing.T, ep, fd int, events uint32) {
	t.Helper()
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: events, Fd: int32(fd)}); err != nil {
		t.Fatalf("epoll_ctl(ADD, fd %d, %s): %s", fd, epollNames(events), sys.ErrnoName(err))
	}
}

// watchedPipe makes a nonblocking pipe whose read end the test watches in
// a new epoll instance with events, and whose write end a "writer" peer
// holds alone.
func watchedPipe(t *testing.T, events uint32) (r, ep int, peer *proc.Peer) {
	t.Helper()
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
	ep = newEpoll(t)
	epollAdd(t, ep, r, events)
	return r, ep, spawnWriter(t, w)
}

// epollWait is epoll_wait retried on EINTR, its events named one per fd
// as "FD:EVENTS", "none" for none.
func epollWait(ep int, timeoutMs int) string {
	got := make([]unix.EpollEvent, 8)
	n, err := sys.RetryValue(func() (int, error) { return unix.EpollWait(ep, got, timeoutMs) })
	if err != nil {
		return sys.ErrnoName(err)
	}
	return eventNames(got[:n])
}

func eventNames(evs []unix.EpollEvent) string {
	if len(evs) == 0 {
		return "none"
	}
	var s []string
	for _, ev := range evs {
		s = append(s, fmt.Sprintf("%d:%s", ev.Fd, epollNames(ev.Events)))
	}
	return strings.Join(s, " ")
}

// requireEpoll requires an epoll_wait that does not wait to report exactly
// want (eventNames' form).
func requireEpoll(t *testing.T, ep int, want, what string) {
	t.Helper()
	if got := epollWait(ep, 0); got != want {
		t.Fatalf("%s: epoll_wait reports %s, want %s", what, got, want)
	}
}

// ready names the event "fd:EVENTS" as eventNames does.
func ready(fd int, events uint32) string { return fmt.Sprintf("%d:%s", fd, epollNames(events)) }

func epollNames(ev uint32) string {
	var s []string
	for _, b := range []struct {
		bit  uint32
		name string
	}{{unix.EPOLLIN, "EPOLLIN"}, {unix.EPOLLOUT, "EPOLLOUT"}, {unix.EPOLLERR, "EPOLLERR"}, {unix.EPOLLHUP, "EPOLLHUP"},
		{unix.EPOLLRDHUP, "EPOLLRDHUP"}, {unix.EPOLLET, "EPOLLET"}, {unix.EPOLLONESHOT, "EPOLLONESHOT"}, {unix.EPOLLEXCLUSIVE, "EPOLLEXCLUSIVE"}} {
		if ev&b.bit != 0 {
			s = append(s, b.name)
			ev &^= b.bit
		}
	}
	if ev != 0 {
		s = append(s, fmt.Sprintf("%#x", ev))
	}
	if len(s) == 0 {
		return "0"
	}
	return strings.Join(s, "|")
}

// requireRead reads up to n bytes from fd and requires want.
func requireRead(t *testing.T, fd, n int, want string) {
	t.Helper()
	buf := make([]byte, n)
	got, err := sys.Read(fd, buf)
	if err != nil || string(buf[:got]) != want {
		t.Fatalf("read of %d bytes: %q, %s; want %q", n, buf[:got], sys.ErrnoName(err), want)
	}
}

// socketpair makes a connected pair of unix stream sockets the test owns.
func socketpair(t *testing.T) (a, b int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socketpair: %s", sys.ErrnoName(err))
	}
	return sys.Own(t, fds[0]), sys.Own(t, fds[1])
}
