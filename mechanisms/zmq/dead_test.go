//go:build zmq

package zmq

import (
	"testing"
	"time"

	zmq4 "github.com/pebbe/zmq4"
	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A REQ whose peer died mid-request is never answered, and libzmq does
// not report the death: ZMQ_RCVTIMEO is what ends the wait, with EAGAIN
// once it has run out, not before.
func TestREQWithADeadPeerGetsEAGAINAtRcvtimeo(t *testing.T) {
	overBoth(t, func(t *testing.T, addr string) {
		req := newSocket(t, zmq4.REQ)
		defer mustClose(t, req)
		peer := peerSocket(t, "REP", bound(t, req, addr))
		mustSend(t, req, "ping", false)
		peer.Must(t, "ping", "recv")
		peer.Send(t, "exit")
		peer.RequireExit(t, 0)
		if err := req.SetRcvtimeo(sys.BlockBound()); err != nil {
			t.Fatalf("ZMQ_RCVTIMEO: %s", ErrName(err))
		}
		var err error
		waited := timed(func() { _, _, err = req.Recv() })
		sys.RequireErrno(t, err, unix.EAGAIN, "recv of the reply of a dead peer")
		if waited < sys.BlockBound()-time.Millisecond || waited > sys.BlockBound()+sys.WakeBound() {
			t.Fatalf("EAGAIN after %v; want it when ZMQ_RCVTIMEO (%v) runs out", waited, sys.BlockBound())
		}
	})
}

// Close waits for the messages still queued (ZMQ_LINGER): by default
// until they are delivered, with a linger of 0 not at all. The request is
// queued on a REQ connected to an address where no one listens yet.
func TestLinger(t *testing.T) {
	t.Run("zero lets close return at once with a request undelivered", func(t *testing.T) {
		overBoth(t, func(t *testing.T, addr string) {
			addr = unusedAddr(t, addr)
			req := newSocket(t, zmq4.REQ)
			closed := false
			defer func() {
				if !closed {
					mustClose(t, req)
				}
			}()
			if err := req.Connect(addr); err != nil {
				t.Fatalf("connect %s: %s", addr, ErrName(err))
			}
			mustSend(t, req, "undelivered", false)
			if err := req.SetLinger(0); err != nil {
				t.Fatalf("ZMQ_LINGER: %s", ErrName(err))
			}
			var err error
			took := timed(func() { err = req.Close() })
			closed = true
			if err != nil {
				t.Fatalf("close: %s", ErrName(err))
			}
			if took > sys.BlockBound() {
				t.Fatalf("close with ZMQ_LINGER 0 took %v; want it at once (within %v)", took, sys.BlockBound())
			}
		})
	})
	t.Run("default close waits until the request is delivered", func(t *testing.T) {
		overBoth(t, func(t *testing.T, addr string) {
			addr = unusedAddr(t, addr)
			queued := make(chan error, 1)
			closing := sys.Start("close with a request undelivered", func() error {
				req, err := NewSocket(zmq4.REQ)
				if err != nil {
					queued <- err
					return err
				}
				if err = req.Connect(addr); err == nil {
					err = req.Send([]byte("late"), false)
				}
				if err != nil {
					req.SetLinger(0)
					req.Close()
					queued <- err
					return err
				}
				queued <- nil
				return req.Close()
			})
			if err := <-queued; err != nil {
				t.Fatalf("queue a request: %s", ErrName(err))
			}
			closing.RequireBlocked(t)
			peer := proc.Spawn(t, "zsock", proc.PeerSpec{})
			peer.Must(t, "ok", "socket REP")
			peer.Must(t, addr, "bind %s", addr)
			peer.Must(t, "late", "recv")
			if err := closing.Wait(t); err != nil {
				t.Fatalf("close: %s", ErrName(err))
			}
			peer.Must(t, "ok", "close")
		})
	})
}

// unusedAddr turns a bind address into one where no one listens: the ipc
// path as it is, a tcp port that a peer bound and released.
func unusedAddr(t *testing.T, addr string) string {
	t.Helper()
	if addr[:6] == "ipc://" {
		return addr
	}
	peer := proc.Spawn(t, "zsock", proc.PeerSpec{})
	peer.Must(t, "ok", "socket REP")
	peer.Send(t, "bind "+addr)
	bound := peer.Next(t)
	peer.Must(t, "ok", "close")
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	return bound
}
