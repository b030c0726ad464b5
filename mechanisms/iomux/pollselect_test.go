package iomux

// poll and select beside epoll: the fd numbers each can take, closed fds,
// and hang-up.

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// fdSetSize is FD_SETSIZE: the bits of an fd_set.
const fdSetSize = int(unsafe.Sizeof(unix.FdSet{})) * 8

// select's fd_set is a bitmap of FD_SETSIZE (1024) bits, so the highest fd
// select can be asked about is FD_SETSIZE-1, while poll and epoll report a
// peer's write to a pipe whose fd is FD_SETSIZE or above. The limit is the
// type's: the kernel reads as many bits as nfds says, and given a bitmap
// longer than fd_set, select sees that fd too.
func TestSelectCannotTakeFdsAtOrAboveFD_SETSIZE(t *testing.T) {
	if fdSetSize != 1024 {
		t.Fatalf("fd_set holds %d bits, want FD_SETSIZE 1024", fdSetSize)
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur <= uint64(fdSetSize) {
		t.Skipf("RLIMIT_NOFILE soft limit %d (%s): no fd number %d to open", lim.Cur, sys.ErrnoName(err), fdSetSize)
	}
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
	high, err := unix.FcntlInt(uintptr(r), unix.F_DUPFD_CLOEXEC, fdSetSize)
	if err != nil {
		t.Fatalf("dup to an fd at or above %d: %s", fdSetSize, sys.ErrnoName(err))
	}
	sys.Own(t, high)
	if high >= 2*fdSetSize {
		t.Fatalf("dup gave fd %d, want one below %d", high, 2*fdSetSize)
	}
	peer := spawnWriter(t, w)
	peer.Must(t, "1", "write a")

	pfd := []unix.PollFd{{Fd: int32(high), Events: unix.POLLIN}}
	if n, err := sys.RetryValue(func() (int, error) { return unix.Poll(pfd, 0) }); n != 1 || pfd[0].Revents != unix.POLLIN {
		t.Fatalf("poll of fd %d: %d, %s, revents %#x; want POLLIN", high, n, sys.ErrnoName(err), pfd[0].Revents)
	}
	ep := newEpoll(t)
	epollAdd(t, ep, high, unix.EPOLLIN)
	requireEpoll(t, ep, ready(high, unix.EPOLLIN), "epoll of an fd above FD_SETSIZE")

	if high/64 < len(unix.FdSet{}.Bits) {
		t.Fatalf("fd %d fits an fd_set of %d bits", high, fdSetSize)
	}
	var wide [2]unix.FdSet
	wide[1].Set(high - fdSetSize)
	n, err := sys.SyscallArgs(unix.SYS_SELECT, sys.Num(high+1), sys.Ptr(unsafe.Pointer(&wide)), sys.Ptr(nil), sys.Ptr(nil), sys.Ptr(unsafe.Pointer(&unix.Timeval{})))
	if err != nil || n != 1 || !wide[1].IsSet(high-fdSetSize) {
		t.Fatalf("select(%d) over a bitmap of %d bits: %d, %s; want fd %d readable", high+1, 2*fdSetSize, n, sys.ErrnoName(err), high)
	}
}

// poll reports POLLNVAL for an fd that is not open, and counts it as a
// ready fd; a negative fd is skipped (revents 0). select and epoll_ctl
// refuse a closed fd with EBADF instead.
func TestPollReportsPOLLNVALForAClosedFd(t *testing.T) {
	r, _ := sys.Pipe(t, 0)
	ep := newEpoll(t)
	if err := sys.Close(r); err != nil {
		t.Fatalf("close: %s", sys.ErrnoName(err))
	}
	pfd := []unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}, {Fd: -1, Events: unix.POLLIN}}
	n, err := sys.RetryValue(func() (int, error) { return unix.Poll(pfd, 0) })
	if err != nil || n != 1 || pfd[0].Revents != unix.POLLNVAL || pfd[1].Revents != 0 {
		t.Fatalf("poll of a closed fd and fd -1: %d, %s, revents %#x and %#x; want 1, POLLNVAL and 0", n, sys.ErrnoName(err), pfd[0].Revents, pfd[1].Revents)
	}
	var set unix.FdSet
	set.Set(r)
	_, err = unix.Select(r+1, &set, nil, nil, &unix.Timeval{})
	sys.RequireErrno(t, err, unix.EBADF, "select of a closed fd")
	sys.RequireErrno(t, unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, r, &unix.EpollEvent{Events: unix.EPOLLIN}), unix.EBADF, "epoll_ctl ADD of a closed fd")
}

// When the last writer of a pipe, a peer, closes its end, a reader waiting
// for input wakes in all three: poll with POLLHUP, epoll with EPOLLHUP
// (neither asked for), select with the fd readable, where read returns 0.
func TestHangUpIsReportedByPollSelectAndEpoll(t *testing.T) {
	t.Run("poll_POLLHUP", func(t *testing.T) {
		r, w := sys.Pipe(t, unix.O_NONBLOCK)
		peer := spawnWriter(t, w)
		rev := sys.Blocks(t, "poll for POLLIN on an empty pipe",
			func() int16 { rev, _ := sys.Revents(r, unix.POLLIN, -1); return rev },
			func() { peer.Must(t, "ok", "close") })
		if rev != unix.POLLHUP {
			t.Fatalf("poll once the peer closed the write end: revents %#x, want POLLHUP", rev)
		}
	})
	t.Run("epoll_EPOLLHUP", func(t *testing.T) {
		r, w := sys.Pipe(t, unix.O_NONBLOCK)
		ep := newEpoll(t)
		epollAdd(t, ep, r, unix.EPOLLIN)
		peer := spawnWriter(t, w)
		got := sys.Blocks(t, "epoll_wait for EPOLLIN on an empty pipe",
			func() string { return epollWait(ep, -1) },
			func() { peer.Must(t, "ok", "close") })
		if want := ready(r, unix.EPOLLHUP); got != want {
			t.Fatalf("epoll_wait once the peer closed the write end: %s, want %s", got, want)
		}
	})
	t.Run("select_readable_at_end_of_file", func(t *testing.T) {
		r, w := sys.Pipe(t, unix.O_NONBLOCK)
		peer := spawnWriter(t, w)
		got := sys.Blocks(t, "select for reading on an empty pipe",
			func() string {
				var set unix.FdSet
				n, err := sys.RetryValue(func() (int, error) { set.Zero(); set.Set(r); return unix.Select(r+1, &set, nil, nil, nil) })
				if err != nil {
					return sys.ErrnoName(err)
				}
				if n != 1 || !set.IsSet(r) {
					return "not readable"
				}
				return "readable"
			},
			func() { peer.Must(t, "ok", "close") })
		if got != "readable" {
			t.Fatalf("select once the peer closed the write end: %s, want readable", got)
		}
		requireRead(t, r, 1, "")
	})
}
