package unixsock

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

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

// On a datagram or seqpacket socket the doubled SO_SNDBUF less 32 bytes
// is the largest record it sends (man 7 unix): one byte more is EMSGSIZE,
// and the largest arrives whole.
func TestSO_SNDBUFLimitsTheRecordSize(t *testing.T) {
	for _, st := range typesOf(unix.SOCK_DGRAM, unix.SOCK_SEQPACKET) {
		t.Run(st.name, func(t *testing.T) {
			fd, peer := pairWithPeer(t, st.typ, proc.PeerSpec{})
			largest := setSndbuf(t, fd, 8192) - 32
			_, err := send(fd, make([]byte, largest+1), nil, unix.MSG_DONTWAIT)
			sys.RequireErrno(t, err, unix.EMSGSIZE, "a record one byte over the doubled SO_SNDBUF less 32")
			if n, err := send(fd, make([]byte, largest), nil, unix.MSG_DONTWAIT); err != nil || n != largest {
				t.Fatalf("a record of the doubled SO_SNDBUF less 32 (%d bytes): %d, %s", largest, n, sys.ErrnoName(err))
			}
			peer.Must(t, strconv.Itoa(largest), "fionread %d", peerFile(0))
		})
	}
}

// SO_RCVBUF has no effect on a unix stream socket (man 7 unix): with the
// receiver's buffer at its minimum, the sender still queues many times
// that at the receiver, as much as its own SO_SNDBUF allows.
func TestSO_RCVBUFDoesNotBoundAStream(t *testing.T) {
	fd, peer := pairWithPeer(t, unix.SOCK_STREAM, proc.PeerSpec{})
	rcvbuf, err := strconv.Atoi(peer.Ask(t, "sockopt %d %d 1", peerFile(0), unix.SO_RCVBUF))
	if err != nil {
		t.Fatalf("peer's SO_RCVBUF: %v", err)
	}
	queued := fillBytes(t, fd, 1024)
	if queued <= 4*rcvbuf {
		t.Fatalf("the peer's SO_RCVBUF is %d and the stream queued only %d bytes: the receive buffer bounds it", rcvbuf, queued)
	}
	peer.Must(t, strconv.Itoa(queued), "fionread %d", peerFile(0))
}
