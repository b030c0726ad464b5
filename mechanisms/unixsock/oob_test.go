package unixsock

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// On a stream socket (Linux 5.15 and later) the last byte of a MSG_OOB
// send is out of band: recv with MSG_OOB takes it alone, the normal stream
// goes on without it, and once taken there is none left (EINVAL).
func TestMSG_OOBSendsOneByteOutOfBand(t *testing.T) {
	sys.RequireKernel(t, "5.15", "MSG_OOB on unix stream sockets")
	fd, peer := pairWithPeer(t, unix.SOCK_STREAM, proc.PeerSpec{})
	peer.Must(t, "2", "send %d ab 0", peerFile(0))
	peer.Must(t, "1", "send %d c %#x", peerFile(0), unix.MSG_OOB)
	mustRecv(t, fd, 1, unix.MSG_OOB, "c")
	mustRecv(t, fd, 16, 0, "ab")
	mustRecv(t, fd, 16, unix.MSG_DONTWAIT, "EAGAIN")
	mustRecv(t, fd, 1, unix.MSG_OOB, "EINVAL")
}

// Datagram and seqpacket sockets have no out-of-band data: a MSG_OOB
// send is EOPNOTSUPP (which Go names ENOTSUP, its alias on Linux).
func TestMSG_OOBIsEOPNOTSUPPOnRecordSockets(t *testing.T) {
	for _, st := range typesOf(unix.SOCK_DGRAM, unix.SOCK_SEQPACKET) {
		t.Run(st.name, func(t *testing.T) {
			_, peer := pairWithPeer(t, st.typ, proc.PeerSpec{})
			peer.Must(t, sys.ErrnoName(unix.EOPNOTSUPP), "send %d c %#x", peerFile(0), unix.MSG_OOB)
		})
	}
}

// MSG_PEEK returns the data without taking it: the next read returns the
// same bytes, and after that the socket is empty.
func TestMSG_PEEKLeavesTheDataQueued(t *testing.T) {
	for _, st := range typesOf(unix.SOCK_STREAM, unix.SOCK_DGRAM, unix.SOCK_SEQPACKET) {
		t.Run(st.name, func(t *testing.T) {
			fd, peer := pairWithPeer(t, st.typ, proc.PeerSpec{})
			peer.Must(t, "5", "send %d hello 0", peerFile(0))
			mustRecv(t, fd, 16, unix.MSG_PEEK, "hello")
			mustRecv(t, fd, 16, unix.MSG_PEEK, "hello")
			mustRecv(t, fd, 16, 0, "hello")
			mustRecv(t, fd, 16, unix.MSG_DONTWAIT, "EAGAIN")
		})
	}
}

// setSndbuf sets SO_SNDBUF and returns what getsockopt then reports.
func setSndbuf(t testing.TB, fd, size int) int {
	t.Helper()
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, size); err != nil {
		t.Fatalf("SO_SNDBUF %d: %s", size, sys.ErrnoName(err))
	}
	got, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF)
	if err != nil {
		t.Fatalf("getsockopt SO_SNDBUF: %s", sys.ErrnoName(err))
	}
	return got
}

// The kernel doubles the SO_SNDBUF it is given (room for its own
// bookkeeping, man 7 socket), and on a unix stream socket the sender's
// buffer bounds what waits unread at the peer: a small buffer fills
// within its size, a larger one holds more than the small one could.
func TestSO_SNDBUFBoundsWhatAStreamQueues(t *testing.T) {
	fd, peer := pairWithPeer(t, unix.SOCK_STREAM, proc.PeerSpec{})
	small := setSndbuf(t, fd, 8192)
	if small != 2*8192 {
		t.Fatalf("SO_SNDBUF set to 8192 reads back %d, want it doubled", small)
	}
	queued := fillBytes(t, fd, 1024)
	if queued == 0 || queued > small {
		t.Fatalf("a stream with SO_SNDBUF %d queued %d bytes, want some and at most the buffer", small, queued)
	}
	peer.Must(t, strconv.Itoa(queued), "fionread %d", peerFile(0))
	peer.Must(t, "1", "drain %d", peerFile(0)) // one read of 64 KiB takes it all

	large := setSndbuf(t, fd, 65536)
	more := fillBytes(t, fd, 1024)
	if more <= small || more > large {
		t.Fatalf("with SO_SNDBUF %d the stream queued %d bytes, want more than the smaller buffer's %d and at most %d", large, more, small, large)
	}
	peer.Must(t, strconv.Itoa(more), "fionread %d", peerFile(0))
}
