package unixsock

import (
	"errors"
	"io"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/table"
)

var transports = []table.Transport{Dgram, Seqpacket, Stream}

// The transport contract, for each socket type (the top level's
// TestContract runs it too).
func TestTransportContract(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.Name, func(t *testing.T) { table.Contract(t, tr) })
	}
}

// Closing the test's end ends the peer's Recv: end of file on stream and
// seqpacket, the hang-up datagram on the datagram transport.
func TestTransportCloseEndsPeerRecv(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.Name, func(t *testing.T) {
			ep, peer := table.OpenEnd(t, tr)
			peer.Must(t, "ok", "send ping")
			buf := make([]byte, 4)
			if err := ep.Recv(buf); err != nil || string(buf) != "ping" {
				t.Fatalf("Recv: %q, %v", buf, err)
			}
			if err := ep.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			peer.Must(t, "EOF", "recv 4")
		})
	}
}

// A record Recv checks the record's real length: a record longer than the
// message expected is an error, not a message cut to fit.
func TestRecordRecvRefusesALongerRecord(t *testing.T) {
	for _, st := range typesOf(unix.SOCK_DGRAM, unix.SOCK_SEQPACKET) {
		t.Run(st.name, func(t *testing.T) {
			a, b := socketpair(t, st.typ)
			mustSend(t, a, "toolong", 0)
			if err := (RecordEndpoint{b}).Recv(make([]byte, 4)); err == nil {
				t.Fatal("Recv of 4 bytes took a 7-byte record without error")
			}
		})
	}
}

// Send and Recv cost no allocation: the benchmark loop measures the
// kernel, not the garbage collector.
func TestTransportRoundTripDoesNotAllocate(t *testing.T) {
	for _, st := range typesOf(unix.SOCK_STREAM, unix.SOCK_DGRAM, unix.SOCK_SEQPACKET) {
		t.Run(st.name, func(t *testing.T) {
			ea, eb := endpointPair(t, st.typ)
			msg := make([]byte, 100)
			allocs := testing.AllocsPerRun(100, func() {
				if err := ea.Send(msg); err != nil {
					t.Fatal(err)
				}
				if err := eb.Recv(msg); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per Send and Recv, want 0", allocs)
			}
		})
	}
}

// endpointPair returns two connected endpoints of typ in this process.
func endpointPair(t *testing.T, typ int) (table.Endpoint, table.Endpoint) {
	switch typ {
	case unix.SOCK_STREAM:
		a, b := socketpair(t, typ)
		return StreamEndpoint{a}, StreamEndpoint{b}
	case unix.SOCK_SEQPACKET:
		a, b := socketpair(t, typ)
		return RecordEndpoint{a}, RecordEndpoint{b}
	}
	na, nb := abstractName(), abstractName()
	a, b := listenAt(t, typ, na, 0), listenAt(t, typ, nb, 0)
	return NewDgramEndpoint(a, na, nb), NewDgramEndpoint(b, nb, na)
}

// A seqpacket peer that exits with a message unread resets the
// connection, and the kernel reports the reset before the peer's last
// record (gVisor reports it after): Recv still returns that record, and
// then fails (end of file, or the reset again on gVisor).
func TestSeqpacketRecvReadsPastAReset(t *testing.T) {
	ep, peer := table.OpenEnd(t, Seqpacket)
	if err := ep.Send([]byte("unread")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	peer.Must(t, "ok", "send last")
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	buf := make([]byte, 4)
	if err := ep.Recv(buf); err != nil || string(buf) != "last" {
		t.Fatalf("Recv after the reset: %q, %v; want \"last\"", buf, err)
	}
	if err := ep.Recv(buf); !errors.Is(err, io.EOF) && !errors.Is(err, unix.ECONNRESET) {
		t.Fatalf("Recv after the last record: %v, want EOF or ECONNRESET", err)
	}
}
