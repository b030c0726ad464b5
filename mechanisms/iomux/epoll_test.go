package iomux

// epoll between processes: level- and edge-triggered reports, one-shot
// registrations, EPOLLRDHUP, registrations that follow the open file
// rather than the fd number, and epoll_pwait2's timeout.

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Level-triggered (the default): a fd that is still readable after a
// partial read is reported again by the next epoll_wait, until drained.
func TestLevelTriggeredReportsAgainAfterPartialRead(t *testing.T) {
	r, ep, peer := watchedPipe(t, unix.EPOLLIN)
	peer.Must(t, "3", "write abc")
	requireEpoll(t, ep, ready(r, unix.EPOLLIN), "the peer wrote 3 bytes")
	requireRead(t, r, 1, "a")
	requireEpoll(t, ep, ready(r, unix.EPOLLIN), "2 of 3 bytes left unread")
	requireEpoll(t, ep, ready(r, unix.EPOLLIN), "2 bytes still unread, asked again")
	requireRead(t, r, 2, "bc")
	requireEpoll(t, ep, "none", "drained")
}

// Edge-triggered: a readiness is reported once; neither a partial read nor
// asking again reports it, until new data arrives after a drain.
func TestEdgeTriggeredDoesNotReportAgainUntilNewData(t *testing.T) {
	r, ep, peer := watchedPipe(t, unix.EPOLLIN|unix.EPOLLET)
	peer.Must(t, "3", "write abc")
	requireEpoll(t, ep, ready(r, unix.EPOLLIN), "the peer wrote 3 bytes")
	requireEpoll(t, ep, "none", "asked again, nothing read")
	requireRead(t, r, 1, "a")
	requireEpoll(t, ep, "none", "after a partial read")
	requireRead(t, r, 2, "bc")
	peer.Must(t, "1", "write d")
	requireEpoll(t, ep, ready(r, unix.EPOLLIN), "drained, then the peer wrote again")
}

// Edge-triggered on a unix stream socket, every write that queues data is
// a new event, even onto unread data: the socket wakes its waiters for
// each arrival.
func TestEdgeTriggeredSocketReportsEveryWrite(t *testing.T) {
	a, b := socketpair(t)
	ep := newEpoll(t)
	epollAdd(t, ep, a, unix.EPOLLIN|unix.EPOLLET)
	peer := spawnWriter(t, b)
	peer.Must(t, "1", "write a")
	requireEpoll(t, ep, ready(a, unix.EPOLLIN), "first write")
	requireEpoll(t, ep, "none", "asked again")
	peer.Must(t, "1", "write b")
	requireEpoll(t, ep, ready(a, unix.EPOLLIN), "second write onto unread data")
	requireRead(t, a, 2, "ab")
}

// Edge-triggered on a pipe, whether a write onto unread data is a new
// event depends on the kernel (see sys.PipeWakesOnEveryWrite): Linux 5.5 woke
// readers only when the pipe was empty, and 5.14 (and the 5.10.56 and
// 5.13.8 stable updates) went back to waking them on every write.
func TestEdgeTriggeredPipeWriteOntoUnreadData(t *testing.T) {
	wakes, why := sys.PipeWakesOnEveryWrite(t)
	t.Logf("Linux %s: %s", sys.KernelRelease(), why)
	r, ep, peer := watchedPipe(t, unix.EPOLLIN|unix.EPOLLET)
	peer.Must(t, "1", "write a")
	requireEpoll(t, ep, ready(r, unix.EPOLLIN), "first write")
	peer.Must(t, "1", "write b")
	if wakes {
		requireEpoll(t, ep, ready(r, unix.EPOLLIN), "second write onto unread data, a new event on this kernel")
	} else {
		requireEpoll(t, ep, "none", "second write onto unread data, no new event on this kernel")
	}
	requireRead(t, r, 2, "ab")
	peer.Must(t, "1", "write c")
	requireEpoll(t, ep, ready(r, unix.EPOLLIN), "drained, then written")
}

// EPOLLONESHOT: after one report the registration is disarmed, whatever
// arrives, until EPOLL_CTL_MOD arms it again, which reports the pending
// data at once.
func TestOneshotDisarmsUntilMod(t *testing.T) {
	r, ep, peer := watchedPipe(t, unix.EPOLLIN|unix.EPOLLONESHOT)
	peer.Must(t, "1", "write a")
	requireEpoll(t, ep, ready(r, unix.EPOLLIN), "first write")
	requireEpoll(t, ep, "none", "still readable, disarmed")
	peer.Must(t, "1", "write b")
	requireEpoll(t, ep, "none", "written again, disarmed")
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_MOD, r, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: int32(r)}); err != nil {
		t.Fatalf("epoll_ctl(MOD): %s", sys.ErrnoName(err))
	}
	requireEpoll(t, ep, ready(r, unix.EPOLLIN), "armed again by EPOLL_CTL_MOD")
	requireEpoll(t, ep, "none", "reported once more, disarmed again")
}

// EPOLLRDHUP: when the peer shuts down its writing half of a stream
// socket, a waiter for EPOLLIN|EPOLLRDHUP wakes with both, and no EPOLLHUP:
// this side can still write.
func TestRDHUPWhenThePeerShutsDownWriting(t *testing.T) {
	a, b := socketpair(t)
	ep := newEpoll(t)
	epollAdd(t, ep, a, unix.EPOLLIN|unix.EPOLLRDHUP)
	peer := spawnWriter(t, b)
	got := sys.Blocks(t, "epoll_wait for EPOLLIN|EPOLLRDHUP on a socket",
		func() string { return epollWait(ep, -1) },
		func() { peer.Must(t, "ok", "shutdown") })
	if want := ready(a, unix.EPOLLIN|unix.EPOLLRDHUP); got != want {
		t.Fatalf("epoll_wait once the peer shut down writing: %s, want %s", got, want)
	}
	if _, err := sys.Write(a, []byte("x")); err != nil {
		t.Fatalf("write back to the peer that shut down its writing: %s", sys.ErrnoName(err))
	}
}

// A registration belongs to the open file, not the fd number: with the
// registered fd closed while a dup of it stays open, a peer's write is
// still reported, under the closed number given at EPOLL_CTL_ADD, and that
// number can no longer be named to epoll_ctl (EBADF).
func TestClosedFdWithOpenDupStaysRegistered(t *testing.T) {
	r, ep, peer := watchedPipe(t, unix.EPOLLIN)
	dup, err := unix.FcntlInt(uintptr(r), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("dup: %s", sys.ErrnoName(err))
	}
	sys.Own(t, dup)
	if err := sys.Close(r); err != nil {
		t.Fatalf("close the registered fd: %s", sys.ErrnoName(err))
	}
	// Nothing opens an fd from here on, so the closed number stays free.
	peer.Must(t, "1", "write a")
	requireEpoll(t, ep, ready(r, unix.EPOLLIN), "registered fd closed, its dup open")
	sys.RequireErrno(t, unix.EpollCtl(ep, unix.EPOLL_CTL_DEL, r, nil), unix.EBADF, "EPOLL_CTL_DEL of the closed number")
	requireRead(t, dup, 1, "a")

	peer.Must(t, "1", "write b")
	requireEpoll(t, ep, ready(r, unix.EPOLLIN), "written again")
}

// epoll_pwait2 (Linux 5.11) takes its timeout as a timespec: a wait of
// half a millisecond, which epoll_wait's milliseconds cannot express, lasts
// at least that and reports nothing; a nanosecond field of a second or more
// is EINVAL; no timeout waits until a peer writes.
func TestEpollPwait2TakesANanosecondTimeout(t *testing.T) {
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
	ep := newEpoll(t)
	epollAdd(t, ep, r, unix.EPOLLIN)
	events := make([]unix.EpollEvent, 1)
	_, err := EpollPwait2(ep, events, &unix.Timespec{})
	sys.RequireFeature(t, "5.11", "epoll_pwait2", err, unix.ENOSYS)

	const half = 500 * time.Microsecond
	start := time.Now()
	n, err := sys.RetryValue(func() (int, error) { return EpollPwait2(ep, events, &unix.Timespec{Nsec: int64(half)}) })
	if took := time.Since(start); err != nil || n != 0 || took < half {
		t.Fatalf("epoll_pwait2 with a timeout of %v on an idle pipe: %d events, %s, after %v; want 0 after %v or more", half, n, sys.ErrnoName(err), took, half)
	}
	_, err = EpollPwait2(ep, events, &unix.Timespec{Nsec: int64(time.Second)})
	sys.RequireErrno(t, err, unix.EINVAL, "epoll_pwait2 with tv_nsec of a second")

	peer := spawnWriter(t, w)
	got := sys.Blocks(t, "epoll_pwait2 without a timeout",
		func() string {
			n, err := sys.RetryValue(func() (int, error) { return EpollPwait2(ep, events, nil) })
			if err != nil {
				return sys.ErrnoName(err)
			}
			return eventNames(events[:n])
		},
		func() { peer.Must(t, "1", "write a") })
	if want := ready(r, unix.EPOLLIN); got != want {
		t.Fatalf("epoll_pwait2 once the peer wrote: %s, want %s", got, want)
	}
}
