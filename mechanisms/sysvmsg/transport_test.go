package sysvmsg

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// The transport contract, here in the package's own IPC namespace (the top
// level's TestContract runs it too, in an IPC namespace of its own).
func TestTransportContract(t *testing.T) { table.Contract(t, Transport) }

// openEnd opens the transport with table.OpenEnd's scripted end on the
// other side, typed for this package.
func openEnd(t *testing.T) (*Endpoint, msgPeer) {
	t.Helper()
	ep, peer := table.OpenEnd(t, Transport)
	return ep.(*Endpoint), msgPeer{peer}
}

// The test's Close wakes the peer's Recv, asleep on an empty queue, with
// io.EOF, and later Recvs fail the same way at once. Close does not wait
// for room: the hang-up is empty, and fits in a queue whose bytes are all
// in use.
func TestTransportCloseEndsPeerRecv(t *testing.T) {
	ep, peer := openEnd(t)
	if err := ep.Send([]byte("hello")); err != nil {
		t.Fatalf("Send: %s", sys.ErrnoName(err))
	}
	peer.Must(t, "hello", "recv 5")
	peer.Start(t, "recv 5")
	peer.requireBlocked(t, rcvWait, "the peer's Recv on an empty queue")
	if err := ep.Close(); err != nil {
		t.Fatalf("Close: %s", sys.ErrnoName(err))
	}
	peer.Expect(t, "EOF")
	peer.Must(t, "EOF", "recv 5")

	full, peer2 := openEnd(t)
	n := fill(t, full.Out)
	if err := sys.Returns(t, "Close with the peer's queue full", full.Close); err != nil {
		t.Fatalf("Close with the peer's queue full: %s", sys.ErrnoName(err))
	}
	requireQueued(t, full.Out, uint64(n+1), stat(t, full.Out).Qbytes, "a full queue and the hang-up")
	drain(t, full.Out, 9, 0)
	peer2.Must(t, "EOF", "recv 5")
}

// The peer's Close ends the test's Recv once it has delivered what the
// peer sent before.
func TestTransportPeerCloseEndsRecv(t *testing.T) {
	table.RequirePeerCloseEndsRecv(t, Transport)
}

// A queue does not see the peer die: the harness's PeerGone ends Recv
// after what the peer sent, and wakes a Recv asleep when the peer goes.
func TestTransportPeerGone(t *testing.T) {
	table.RequirePeerGoneEndsRecv(t, Transport)
}

// Send refuses an empty message (on this transport it would be a hang-up)
// and one above MaxSize, which is msgmax but no more than msgmnb.
func TestTransportSizes(t *testing.T) {
	l := readLimits(t)
	if Transport.MaxSize != min(l.Max, l.Mnb) {
		t.Fatalf("MaxSize %d, want min(msgmax %d, msgmnb %d)", Transport.MaxSize, l.Max, l.Mnb)
	}
	ep, _ := Transport.Open(t)
	if err := ep.Send(nil); !errors.Is(err, errEmpty) {
		t.Fatalf("Send of an empty message: %v, want %v", err, errEmpty)
	}
	if err := ep.Send(make([]byte, Transport.MaxSize+1)); err == nil || !strings.Contains(err.Error(), strconv.Itoa(Transport.MaxSize)) {
		t.Fatalf("Send of MaxSize+1 bytes: %v, want an error naming MaxSize", err)
	}
}

// A Send and a Recv allocate nothing: both reuse the endpoint's buffer of
// mtype and text.
func TestTransportDoesNotAllocate(t *testing.T) {
	a, b := mkQueue(t, 0o600), mkQueue(t, 0o600)
	x, y := NewEndpoint(a, b), NewEndpoint(b, a)
	msg, buf := make([]byte, 100), make([]byte, 100)
	allocs := testing.AllocsPerRun(1000, func() {
		if err := x.Send(msg); err != nil {
			t.Fatal(err)
		}
		if err := y.Recv(buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Send and Recv, want 0", allocs)
	}
}

// In the one case where even the empty hang-up finds no room, a queue
// holding msg_qbytes messages, Close returns at once all the same, and the
// hang-up follows as soon as a message leaves.
func TestTransportHangUpWaitsForRoom(t *testing.T) {
	ep, _ := Transport.Open(t)
	out := ep.(*Endpoint).Out
	if err := setQbytes(t, out, 2); err != nil {
		t.Fatalf("IPC_SET msg_qbytes 2: %s", sys.ErrnoName(err))
	}
	mustSnd(t, out, 9, "")
	mustSnd(t, out, 9, "")
	if err := sys.Returns(t, "Close with msg_qbytes messages queued", ep.Close); err != nil {
		t.Fatalf("Close: %s", sys.ErrnoName(err))
	}
	requireQueued(t, out, 2, 0, "after Close with no room")
	mustRcv(t, out, 0, 9, 0, "9:")
	got := sys.Start("msgrcv of the hang-up", func() string {
		mtype, text, err := Rcv(out, 0, hangUpType, 0)
		return message(mtype, text, err)
	}).Wait(t)
	if want := strconv.Itoa(hangUpType) + ":"; got != want {
		t.Fatalf("msgrcv of the hang-up: %s, want %s", got, want)
	}
}
