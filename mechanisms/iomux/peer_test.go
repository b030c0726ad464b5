package iomux

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func init() {
	proc.Register("writer", writerRole)
	proc.Register("epoll-waiter", epollWaiterRole)
}

// writerRole holds the end of a pipe or socket, PeerFD(0), that the test
// watches the other end of, and acts on it on command:
//
//	write TEXT  one write(2)           -> the count written | ERRNO
//	shutdown    shutdown(SHUT_WR)      -> ok | ERRNO
//	close       close the end          -> ok | ERRNO
func writerRole([]string) int {
	fd := proc.PeerFD(0)
	for {
		cmd := proc.AwaitCommand()
		switch {
		case cmd[0] == "write" && len(cmd) == 2:
			proc.Tell(proc.Value(sys.Write(fd, []byte(cmd[1]))))
		case cmd[0] == "shutdown" && len(cmd) == 1:
			proc.Tell(proc.Answer(unix.Shutdown(fd, unix.SHUT_WR)))
		case cmd[0] == "close" && len(cmd) == 1:
			proc.Tell(proc.Answer(unix.Close(fd)))
		default:
			proc.Fatalf("writer: unknown command %q", strings.Join(cmd, " "))
		}
	}
}

// spawnWriter starts a "writer" peer holding fd, which the test hands
// over (closes its own copy), so that the peer's close is the last.
func spawnWriter(t *testing.T, fd int) *proc.Peer {
	t.Helper()
	return proc.Spawn(t, "writer", proc.PeerSpec{Files: []int{fd}, Handoff: true})
}

// epollWaiterRole registers PeerFD(0) in an epoll instance of its own
// with the events in its argument, says "armed", and waits in epoll_wait
// without a timeout. Once woken it writes one byte to PeerFD(1), which
// counts the woken waiters for the test, and waits for "exit".
func epollWaiterRole(args []string) int {
	events, err := strconv.ParseUint(args[0], 0, 32)
	proc.Check(err, "epoll-waiter: events")
	fd, woke := proc.PeerFD(0), proc.PeerFD(1)
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	proc.Check(err, "epoll_create1")
	proc.Check(unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: uint32(events), Fd: int32(fd)}), "epoll_ctl ADD")
	proc.Tell("armed")
	got := make([]unix.EpollEvent, 1)
	n, err := sys.RetryValue(func() (int, error) { return unix.EpollWait(ep, got, -1) })
	if err != nil || n != 1 {
		proc.Fatalf("epoll_wait: %d events, %s", n, sys.ErrnoName(err))
	}
	_, err = sys.Write(woke, []byte{1})
	proc.Check(err, "write to the count of woken waiters")
	proc.AwaitLine("exit")
	return 0
}
