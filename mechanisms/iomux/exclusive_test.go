package iomux

// EPOLLEXCLUSIVE (Linux 4.5): of several processes waiting in epoll_wait
// on one fd, each through an epoll instance of its own, an event wakes one
// rather than all.

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

const waiters = 4

func TestExclusiveWakesOneOfSeveralWaitingProcesses(t *testing.T) {
	t.Run("EPOLLEXCLUSIVE_wakes_one_per_write", func(t *testing.T) {
		requireExclusive(t)
		w, count := armWaiters(t, unix.EPOLLIN|unix.EPOLLEXCLUSIVE)
		writeByte(t, w)
		requireWoken(t, count, 1, "one write, exclusive waiters")
		// The others slept on and wait still: the next write wakes one more.
		writeByte(t, w)
		requireWoken(t, count, 2, "two writes, exclusive waiters")
	})
	t.Run("without_it_every_waiter_wakes", func(t *testing.T) {
		w, count := armWaiters(t, unix.EPOLLIN)
		writeByte(t, w)
		requireWoken(t, count, waiters, "one write, plain waiters")
	})
}

// requireExclusive skips where epoll_ctl does not know EPOLLEXCLUSIVE
// (EINVAL), which is probed rather than read off the version, since gVisor
// reports an older one than it implements.
func requireExclusive(t *testing.T) {
	t.Helper()
	r, _ := sys.Pipe(t, 0)
	err := unix.EpollCtl(newEpoll(t), unix.EPOLL_CTL_ADD, r, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLEXCLUSIVE, Fd: int32(r)})
	sys.RequireFeature(t, "4.5", "EPOLLEXCLUSIVE", err, unix.EINVAL)
}

// armWaiters starts the epoll-waiter peers on a pipe's read end with
// events, and returns once each is shown asleep in epoll_wait: the pipe's
// write end and the read end of the pipe the woken waiters write to.
func armWaiters(t *testing.T, events uint32) (w, count int) {
	t.Helper()
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
	count, woke := sys.Pipe(t, unix.O_NONBLOCK)
	var peers []*proc.Peer
	for range waiters {
		p := proc.Spawn(t, "epoll-waiter", proc.PeerSpec{Args: []string{fmt.Sprintf("%#x", events)}, Files: []int{r, woke}})
		p.Expect(t, "armed")
		peers = append(peers, p)
	}
	for _, p := range peers {
		what := "epoll-waiter " + strconv.Itoa(p.Pid)
		p.RequireSilent(t, what)
		// Asleep in epoll_wait, not on the way to it: a waiter that has
		// not slept yet when the event comes finds it on its ready list
		// and counts as woken too.
		sys.RequireKernelWait(t, p.Pid, func() { p.RequireSilent(t, what) }, "ep_poll", "do_epoll_wait")
	}
	if n, _ := sys.FIONREAD(count); n != 0 {
		t.Fatalf("%d waiters woke before any write", n)
	}
	return w, count
}

func writeByte(t *testing.T, w int) {
	t.Helper()
	if _, err := sys.Write(w, []byte{1}); err != nil {
		t.Fatalf("write to the watched pipe: %s", sys.ErrnoName(err))
	}
}

// requireWoken requires exactly want bytes in the count pipe: the first
// within WakeBound, and no more for BlockBound after the last expected
// one, the proof that the others stay asleep.
func requireWoken(t *testing.T, count, want int, what string) {
	t.Helper()
	limit := sys.WakeLimit(t)
	for {
		n, err := sys.FIONREAD(count)
		if err != nil {
			t.Fatalf("FIONREAD: %s", sys.ErrnoName(err))
		}
		if n > want {
			t.Fatalf("%s: %d waiters woke, want %d", what, n, want)
		}
		if n == want {
			break
		}
		if time.Now().After(limit) {
			t.Fatalf("%s: %d waiters woke within %v, want %d", what, n, sys.WakeBound(), want)
		}
		sys.Revents(count, unix.POLLIN, 10)
	}
	// The bound of the proof that no other waiter wakes: the count pipe
	// stays readable, so there is nothing to wait on but time.
	time.Sleep(sys.BlockBound())
	if n, _ := sys.FIONREAD(count); n != want {
		t.Fatalf("%s: %d waiters woke within %v, want %d", what, n, sys.BlockBound(), want)
	}
}
