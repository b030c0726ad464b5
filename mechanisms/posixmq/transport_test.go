package posixmq

import (
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// The transport contract, here in the machine's IPC namespace (the top
// level's TestContract runs it too, in an IPC namespace of its own).
func TestTransportContract(t *testing.T) {
	requireQueueIO(t)
	table.Contract(t, Transport)
}

// openEnd opens the transport with table.OpenEnd's scripted end on the
// other side, typed for this package.
func openEnd(t *testing.T) (*Endpoint, mqPeer) {
	t.Helper()
	requireQueueIO(t)
	ep, peer := table.OpenEnd(t, Transport)
	return ep.(*Endpoint), mqPeer{peer}
}

// Opening the transport leaves no name behind: the queues are unlinked
// before the peer starts, while both ends' descriptors work.
func TestTransportLeavesNoName(t *testing.T) {
	if !mqueueMounted() {
		t.Skipf("no mqueue filesystem at %s to list", mqueueDir)
	}
	mine := func() []string {
		t.Helper()
		names, err := filepath.Glob(filepath.Join(mqueueDir, proc.Prefix+strconv.Itoa(unix.Getpid())+".*"))
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	before := mine()
	ep, peer := openEnd(t)
	if after := mine(); !slices.Equal(before, after) {
		t.Fatalf("queues listed in %s after the transport opened: %v, before: %v", mqueueDir, after, before)
	}
	if err := ep.Send([]byte("there")); err != nil {
		t.Fatalf("Send: %s", sys.ErrnoName(err))
	}
	peer.Must(t, "there", "recv 5")
	peer.Must(t, "ok", "send back")
	buf := make([]byte, 4)
	if err := ep.Recv(buf); err != nil || string(buf) != "back" {
		t.Fatalf("Recv: %q, %s; want \"back\"", buf, sys.ErrnoName(err))
	}
}

// The test's Close wakes the peer's Recv, asleep on an empty queue, with
// io.EOF, and later Recvs fail the same way at once; with the peer's queue
// full, Close returns at once all the same and the hang-up follows once a
// message leaves.
func TestTransportCloseEndsPeerRecv(t *testing.T) {
	ep, peer := openEnd(t)
	if err := ep.Send([]byte("hello")); err != nil {
		t.Fatalf("Send: %s", sys.ErrnoName(err))
	}
	peer.Must(t, "hello", "recv 5")
	peer.Start(t, "recv 5")
	peer.requireBlocked(t, "the peer's Recv on an empty queue")
	if err := ep.Close(); err != nil {
		t.Fatalf("Close: %s", sys.ErrnoName(err))
	}
	peer.Expect(t, "EOF")
	peer.Must(t, "EOF", "recv 5")

	full, peer2 := openEnd(t)
	for i := range transportMaxmsg {
		if err := full.Send([]byte("x")); err != nil {
			t.Fatalf("Send %d of %d: %s", i+1, transportMaxmsg, sys.ErrnoName(err))
		}
	}
	if err := sys.Returns(t, "Close with the peer's queue full", full.Close); err != nil {
		t.Fatalf("Close with the peer's queue full: %s", sys.ErrnoName(err))
	}
	peer2.Must(t, "ok", "recv %d 1", transportMaxmsg)
	peer2.Must(t, "EOF", "recv 1")
}

// The peer's Close ends the test's Recv once it has delivered what the
// peer sent before.
func TestTransportPeerCloseEndsRecv(t *testing.T) {
	requireQueueIO(t)
	table.RequirePeerCloseEndsRecv(t, Transport)
}

// A queue does not see the peer die: the harness's PeerGone ends Recv
// after what the peer sent, and wakes a Recv asleep when the peer goes.
func TestTransportPeerGone(t *testing.T) {
	requireQueueIO(t)
	table.RequirePeerGoneEndsRecv(t, Transport)
}

// MaxSize is the queues' mq_msgsize, at most msgsize_max (which a process
// without CAP_SYS_RESOURCE may not exceed) and the classic table's sizes
// fit; Send refuses an empty message (on this transport it would be a
// hang-up) and one above MaxSize.
func TestTransportSizes(t *testing.T) {
	requireQueueIO(t)
	if max := sys.RequireSysctl(t, "fs/mqueue/msgsize_max"); Transport.MaxSize > max {
		t.Fatalf("MaxSize %d, above msgsize_max %d", Transport.MaxSize, max)
	}
	if Transport.MaxSize < 1024 {
		t.Fatalf("MaxSize %d, below the table's 1 KB", Transport.MaxSize)
	}
	ep, _ := Transport.Open(t)
	if a := attr(t, ep.(*Endpoint).Out); a.Msgsize != int64(Transport.MaxSize) {
		t.Fatalf("the queue's mq_msgsize %d, want MaxSize %d", a.Msgsize, Transport.MaxSize)
	}
	if err := ep.Send(nil); !errors.Is(err, errEmpty) {
		t.Fatalf("Send of an empty message: %v, want %v", err, errEmpty)
	}
	if err := ep.Send(make([]byte, Transport.MaxSize+1)); err == nil || !strings.Contains(err.Error(), strconv.Itoa(Transport.MaxSize)) {
		t.Fatalf("Send of MaxSize+1 bytes: %v, want an error naming MaxSize", err)
	}
}

// A Send and a Recv allocate nothing: Recv reuses the endpoint's buffer
// of mq_msgsize bytes.
func TestTransportDoesNotAllocate(t *testing.T) {
	a, b := mkQueue(t, 0, 2, 128), mkQueue(t, 0, 2, 128)
	x, y := NewEndpoint(a.fd, b.fd, 128), NewEndpoint(b.fd, a.fd, 128)
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
