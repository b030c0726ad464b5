package unixsock

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A stream socket carries bytes, not messages: two sends by the peer,
// both queued, come back from one read. A kernel that kept the boundary
// would return "abc" alone.
func TestStreamHasNoMessageBoundaries(t *testing.T) {
	fd, peer := pairWithPeer(t, unix.SOCK_STREAM, proc.PeerSpec{})
	peer.Must(t, "3", "send %d abc 0", peerFile(0))
	peer.Must(t, "3", "send %d def 0", peerFile(0))
	mustRecv(t, fd, 16, 0, "abcdef")
}

// Datagram and seqpacket sockets keep each send a record of its own: one
// read returns one record however much room it has.
func TestRecordsKeepTheirBoundaries(t *testing.T) {
	for _, st := range typesOf(unix.SOCK_DGRAM, unix.SOCK_SEQPACKET) {
		t.Run(st.name, func(t *testing.T) {
			fd, peer := pairWithPeer(t, st.typ, proc.PeerSpec{})
			peer.Must(t, "3", "send %d abc 0", peerFile(0))
			peer.Must(t, "3", "send %d def 0", peerFile(0))
			mustRecv(t, fd, 16, 0, "abc")
			mustRecv(t, fd, 16, 0, "def")
		})
	}
}

// A read shorter than a record takes its head, sets MSG_TRUNC in
// msg_flags, and discards the rest: the next read returns the next record,
// not the tail of this one.
func TestShortReadTruncatesTheRecord(t *testing.T) {
	for _, st := range typesOf(unix.SOCK_DGRAM, unix.SOCK_SEQPACKET) {
		t.Run(st.name, func(t *testing.T) {
			fd, peer := pairWithPeer(t, st.typ, proc.PeerSpec{})
			peer.Must(t, "10", "send %d 0123456789 0", peerFile(0))
			peer.Must(t, "4", "send %d next 0", peerFile(0))
			buf := make([]byte, 4)
			n, _, flags, err := recvmsg(fd, buf, nil, 0)
			if err != nil || n != 4 || string(buf) != "0123" {
				t.Fatalf("recvmsg into 4 bytes: %d %q, %s; want 4 \"0123\"", n, buf[:max(n, 0)], sys.ErrnoName(err))
			}
			if flags&unix.MSG_TRUNC == 0 {
				t.Errorf("msg_flags %#x after a short read of a 10-byte record: MSG_TRUNC not set", flags)
			}
			mustRecv(t, fd, 16, 0, "next")
		})
	}
}

// Passed to recv, MSG_TRUNC makes a short read return the record's real
// length rather than the bytes copied.
func TestMSG_TRUNCReturnsTheRecordsRealLength(t *testing.T) {
	for _, st := range typesOf(unix.SOCK_DGRAM, unix.SOCK_SEQPACKET) {
		t.Run(st.name, func(t *testing.T) {
			fd, peer := pairWithPeer(t, st.typ, proc.PeerSpec{})
			peer.Must(t, "10", "send %d 0123456789 0", peerFile(0))
			buf := make([]byte, 4)
			n, err := recv(fd, buf, unix.MSG_TRUNC)
			if err != nil || n != 10 || string(buf) != "0123" {
				t.Fatalf("recv(4 bytes, MSG_TRUNC) of a 10-byte record: %d %q, %s; want 10 \"0123\"", n, buf, sys.ErrnoName(err))
			}
		})
	}
}

// Once the peer has closed its end (here by exiting), a seqpacket read
// returns what was queued, record by record, and then 0, at once and
// every time.
func TestSeqpacketReadReturnsZeroAtEOF(t *testing.T) {
	fd, peer := pairWithPeer(t, unix.SOCK_SEQPACKET, proc.PeerSpec{})
	peer.Must(t, "4", "send %d last 0", peerFile(0))
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	mustRecv(t, fd, 16, 0, "last")
	for range 2 {
		got := sys.Returns(t, "seqpacket read after the peer left", func() string { return recvText(fd, 16, 0) })
		if got != "EOF" {
			t.Fatalf("seqpacket read after the peer left: %s, want EOF (0)", got)
		}
	}
}

// A peer that exits with data unread resets the connection: the reader
// gets ECONNRESET once, and then end of file. A seqpacket socket reports
// the reset before the records still queued, a stream after its bytes.
func TestCloseWithUnreadDataResets(t *testing.T) {
	for _, c := range []struct {
		st    sockType
		reads []string
	}{
		{typesOf(unix.SOCK_SEQPACKET)[0], []string{"ECONNRESET", "last", "EOF"}},
		{typesOf(unix.SOCK_STREAM)[0], []string{"last", "ECONNRESET", "EOF"}},
	} {
		t.Run(c.st.name, func(t *testing.T) {
			fd, peer := pairWithPeer(t, c.st.typ, proc.PeerSpec{})
			peer.Must(t, "4", "send %d last 0", peerFile(0))
			mustSend(t, fd, "unread", 0)
			peer.Send(t, "exit")
			peer.RequireExit(t, 0)
			for _, want := range c.reads {
				mustRecv(t, fd, 16, unix.MSG_DONTWAIT, want)
			}
		})
	}
}
