package unixsock

import (
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
