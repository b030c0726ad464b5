package iomux

// The cost of one ready event among N watched fds, for select, poll and
// epoll: seed 003 holds that select and poll scan every fd on each call,
// so their cost grows with N, while epoll keeps a ready list and does not.

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

var readyFds = []int{1, 10, 100, 1000, 10000}

// BenchmarkReady: one op is one ready event. N eventfds are watched; N-1
// stay at zero (idle) and the last, the active one, is made readable by
// the loop itself (a write of 1), reported by the api, and read back to
// zero. The loop makes it ready rather than a peer process, because a
// peer's write would add a cross-process wake-up to every op, costing
// more than the scan being measured at small N and varying with the CPUs
// the two processes land on; the wait here never sleeps. api=none is the
// write and read alone, the part of every op that is not the api's.
func BenchmarkReady(b *testing.B) {
	raiseNofile(b)
	for _, api := range []string{"none", "select", "poll", "epoll"} {
		b.Run("api="+api, func(b *testing.B) {
			for _, n := range readyFds {
				if api == "none" && n > 1 {
					continue
				}
				b.Run("fds="+strconv.Itoa(n), func(b *testing.B) { benchReady(b, api, n) })
			}
		})
	}
}

// raiseNofile raises RLIMIT_NOFILE's soft limit to the hard one (the Go
// runtime does so at start too, so this states the need rather than
// relying on it).
func raiseNofile(b *testing.B) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatalf("getrlimit: %v", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
			b.Fatalf("setrlimit: %v", err)
		}
	}
}

func benchReady(b *testing.B, api string, n int) {
	var lim unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &lim)
	if uint64(n)+64 > lim.Cur {
		b.Skipf("%d eventfds do not fit RLIMIT_NOFILE %d (with room for the process's own fds)", n, lim.Cur)
	}
	fds := make([]int, n)
	for i := range fds {
		fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
		if err != nil {
			b.Fatalf("eventfd %d of %d: %v", i+1, n, err)
		}
		fds[i] = fd
		defer unix.Close(fd)
	}
	active := fds[n-1]
	one := make([]byte, 8)
	one[0] = 1 // 1 in little-endian; read back whole, so the order does not matter
	got := make([]byte, 8)
	wait := waiter(b, api, fds)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := unix.Write(active, one); err != nil {
			b.Fatalf("write to the active eventfd: %v", err)
		}
		if ready := wait(); ready != 1 {
			b.Fatalf("%s reported %d ready fds, want 1", api, ready)
		}
		if _, err := unix.Read(active, got); err != nil {
			b.Fatalf("read of the active eventfd: %v", err)
		}
	}
}

// waiter sets up api to watch fds and returns one call of it that does
// not wait, returning the count of ready fds it reports (-1 for an error).
func waiter(b *testing.B, api string, fds []int) func() int {
	switch api {
	case "none":
		return func() int { return 1 }
	case "select":
		highest := fds[len(fds)-1]
		if highest >= fdSetSize {
			b.Skipf("fd %d is at or above FD_SETSIZE (%d): select cannot take it", highest, fdSetSize)
		}
		var all, set unix.FdSet
		for _, fd := range fds {
			all.Set(fd)
		}
		var tv unix.Timeval
		return func() int {
			for {
				set, tv = all, unix.Timeval{}
				n, err := unix.Select(highest+1, &set, nil, nil, &tv)
				if err == unix.EINTR {
					continue
				}
				if err != nil {
					return -1
				}
				return n
			}
		}
	case "poll":
		pfds := make([]unix.PollFd, len(fds))
		for i, fd := range fds {
			pfds[i] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
		}
		return func() int {
			for {
				n, err := unix.Poll(pfds, 0)
				if err == unix.EINTR {
					continue
				}
				if err != nil {
					return -1
				}
				return n
			}
		}
	case "epoll":
		ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			b.Fatalf("epoll_create1: %v", err)
		}
		b.Cleanup(func() { unix.Close(ep) })
		for _, fd := range fds {
			if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
				b.Fatalf("epoll_ctl ADD: %v", err)
			}
		}
		events := make([]unix.EpollEvent, 8)
		return func() int {
			for {
				n, err := unix.EpollWait(ep, events, 0)
				if err == unix.EINTR {
					continue
				}
				if err != nil {
					return -1
				}
				return n
			}
		}
	}
	b.Fatalf("unknown api %q", api)
	return nil
}
