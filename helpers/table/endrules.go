package table

import (
	"io"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// RequirePeerCloseEndsRecv checks the rule every transport keeps: the
// peer's Close ends this process's Recv once it has delivered what the peer
// sent before.
func RequirePeerCloseEndsRecv(t *testing.T, tr Transport) {
	t.Helper()
	ep, peer := OpenEnd(t, tr)
	peer.Must(t, "ok", "send before")
	peer.Must(t, "ok", "close")
	buf := make([]byte, 6)
	if err := ep.Recv(buf); err != nil || string(buf) != "before" {
		t.Fatalf("Recv: %q, %s; want \"before\"", buf, sys.ErrnoName(err))
	}
	if err := ep.Recv(buf); err != io.EOF {
		t.Fatalf("Recv after the peer closed: %s, want EOF", sys.ErrnoName(err))
	}
}

// RequirePeerGoneEndsRecv checks a transport that cannot see the peer die
// and relies on the harness's PeerGone: Recv then delivers what the peer
// sent before it exited and fails with io.EOF after that, at once and every
// time; a Recv asleep when the peer goes is woken with io.EOF.
func RequirePeerGoneEndsRecv(t *testing.T, tr Transport) {
	t.Helper()
	ep, peer := OpenEnd(t, tr)
	peer.Must(t, "ok", "send abc")
	peer.Must(t, "ok", "send def")
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	gone(t, ep)
	buf := make([]byte, 3)
	for _, want := range []string{"abc", "def"} {
		if err := ep.Recv(buf); err != nil || string(buf) != want {
			t.Fatalf("Recv after the peer exited: %q, %s; want %q", buf, sys.ErrnoName(err), want)
		}
	}
	for range 2 {
		if err := sys.Returns(t, "Recv with the peer gone", func() error { return ep.Recv(buf) }); err != io.EOF {
			t.Fatalf("Recv with the peer gone: %s, want EOF", sys.ErrnoName(err))
		}
	}

	ep2, peer2 := OpenEnd(t, tr)
	err := sys.Blocks(t, "Recv on an empty channel", func() error { return ep2.Recv(buf) }, func() {
		peer2.Send(t, "exit")
		peer2.RequireExit(t, 0)
		gone(t, ep2)
	})
	if err != io.EOF {
		t.Fatalf("Recv asleep when the peer went: %s, want EOF", sys.ErrnoName(err))
	}
}

func gone(t *testing.T, ep Endpoint) {
	t.Helper()
	w, ok := ep.(PeerWatcher)
	if !ok {
		t.Fatalf("%T is no PeerWatcher", ep)
	}
	w.PeerGone()
}
