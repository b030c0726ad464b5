//go:build zmq

package zmq

import (
	"path/filepath"
	"testing"
	"time"

	zmq4 "github.com/pebbe/zmq4"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// overBoth runs a rule over tcp on IPv4 loopback (a port the kernel
// picks) and over ipc (a socket file in a fresh directory of the run),
// with the address to bind.
func overBoth(t *testing.T, rule func(t *testing.T, addr string)) {
	t.Run("tcp", func(t *testing.T) { rule(t, "tcp://127.0.0.1:0") })
	t.Run("ipc", func(t *testing.T) { rule(t, ipcAddr(t)) })
}

func ipcAddr(t *testing.T) string {
	return "ipc://" + filepath.Join(proc.Dir(t), "s")
}

// newSocket makes a socket of the test's goroutine, whose receives give
// up (EAGAIN) after the wake bound rather than hang. The caller closes it
// with a deferred mustClose, on the same goroutine: a cleanup would run on
// another thread.
func newSocket(t *testing.T, typ zmq4.Type) *Socket {
	t.Helper()
	s, err := NewSocket(typ)
	if err != nil {
		t.Fatalf("socket %v: %s", typ, ErrName(err))
	}
	if err := s.SetRcvtimeo(sys.WakeBound()); err != nil {
		s.Close()
		t.Fatalf("ZMQ_RCVTIMEO: %s", ErrName(err))
	}
	return s
}

// bound binds s to addr and returns the address bound, with its port.
func bound(t *testing.T, s *Socket, addr string) string {
	t.Helper()
	if err := s.Bind(addr); err != nil {
		t.Fatalf("bind %s: %s", addr, ErrName(err))
	}
	ep, err := s.LastEndpoint()
	if err != nil {
		t.Fatalf("ZMQ_LAST_ENDPOINT: %s", ErrName(err))
	}
	return ep
}

func mustClose(t *testing.T, s *Socket) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Errorf("close: %s", ErrName(err))
	}
}

// peerSocket starts a zsock peer whose socket of type typ connects to addr.
func peerSocket(t *testing.T, typ, addr string) *proc.Peer {
	t.Helper()
	peer := proc.Spawn(t, "zsock", proc.PeerSpec{})
	peer.Must(t, "ok", "socket %s", typ)
	peer.Must(t, "ok", "connect %s", addr)
	return peer
}

// mustRecv receives one part and checks its text (as partText renders it).
func mustRecv(t *testing.T, s *Socket, want string) {
	t.Helper()
	part, more, err := s.Recv()
	if err != nil {
		t.Fatalf("recv: %s, want %q", ErrName(err), want)
	}
	if got := partText(part, more); got != want {
		t.Fatalf("recv: %q, want %q", got, want)
	}
}

func mustSend(t *testing.T, s *Socket, text string, more bool) {
	t.Helper()
	if err := s.Send(fromText(text), more); err != nil {
		t.Fatalf("send %q: %s", text, ErrName(err))
	}
}

// timed runs op and returns how long it took.
func timed(op func()) time.Duration {
	start := time.Now()
	op()
	return time.Since(start)
}
