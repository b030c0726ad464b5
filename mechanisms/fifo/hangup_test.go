package fifo

// select and epoll, like poll, see a FIFO reader's hang-up when the last
// writer process leaves.

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// writerPeer opens a reader in the test and a writer in a peer, and returns
// both.
func writerPeer(t *testing.T) (r int, writer fifoPeer) {
	t.Helper()
	path := newFIFO(t, 0o600)
	r = mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
	writer = spawnPeer(t, proc.PeerSpec{})
	writer.open(t, path, "w")
	return r, writer
}

func TestSelectAndEpollReportTheHangUp(t *testing.T) {
	t.Run("select finds the reader readable and the read is end of file", func(t *testing.T) {
		r, writer := writerPeer(t)
		got := sys.Blocks(t, "select for reading with the writer peer open", func() string {
			var set unix.FdSet
			set.Set(r)
			n, err := sys.RetryValue(func() (int, error) { return unix.Select(r+1, &set, nil, nil, nil) })
			return fmt.Sprintf("%d %v %s", n, set.IsSet(r), sys.ErrnoName(err))
		}, func() { writer.Must(t, "ok", "close") })
		if want := "1 true no error"; got != want {
			t.Fatalf("select once the last writer closed: %s, want %s", got, want)
		}
		n, err := sys.Read(r, make([]byte, 8))
		if n != 0 || err != nil {
			t.Fatalf("read after select reported the hang-up: %s, want end of file", sys.Result{N: n, Err: err})
		}
	})
	t.Run("epoll reports EPOLLHUP", func(t *testing.T) {
		r, writer := writerPeer(t)
		ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			t.Fatalf("epoll_create1: %s", sys.ErrnoName(err))
		}
		sys.Own(t, ep)
		if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, r, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(r)}); err != nil {
			t.Fatalf("epoll_ctl(ADD): %s", sys.ErrnoName(err))
		}
		got := sys.Blocks(t, "epoll_wait for EPOLLIN with the writer peer open", func() string {
			ev := make([]unix.EpollEvent, 1)
			n, err := sys.RetryValue(func() (int, error) { return unix.EpollWait(ep, ev, -1) })
			return fmt.Sprintf("%d fd %d events %#x %s", n, ev[0].Fd, ev[0].Events, sys.ErrnoName(err))
		}, func() { writer.Send(t, "exit") })
		// EPOLLHUP comes unasked, and alone: there is no data.
		if want := fmt.Sprintf("1 fd %d events %#x no error", r, unix.EPOLLHUP); got != want {
			t.Fatalf("epoll_wait once the last writer exited: %s, want %s", got, want)
		}
		writer.RequireExit(t, 0)
	})
}
