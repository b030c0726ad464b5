//go:build zmq

package zmq

import (
	"testing"
	"time"

	zmq4 "github.com/pebbe/zmq4"
	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// REQ and REP alternate strictly (man zmq_socket): REQ sends a request,
// then receives the reply; REP receives a request, then replies. A call
// out of turn fails with EFSM at once, and sends nothing.
func TestREQ(t *testing.T) {
	t.Run("second send before the reply fails with EFSM", func(t *testing.T) {
		overBoth(t, func(t *testing.T, addr string) {
			req := newSocket(t, zmq4.REQ)
			defer mustClose(t, req)
			peerSocket(t, "REP", bound(t, req, addr))
			mustSend(t, req, "first", false)
			sys.RequireErrno(t, req.Send([]byte("second"), false), EFSM, "second send before the reply")
		})
	})
	t.Run("the send refused sends nothing", func(t *testing.T) {
		overBoth(t, func(t *testing.T, addr string) {
			req := newSocket(t, zmq4.REQ)
			defer mustClose(t, req)
			peer := peerSocket(t, "REP", bound(t, req, addr))
			mustSend(t, req, "first", false)
			req.Send([]byte("refused"), false)
			peer.Must(t, "first", "recv")
			peer.Must(t, "ok", "send reply")
			mustRecv(t, req, "reply")
			mustSend(t, req, "third", false)
			peer.Must(t, "third", "recv")
		})
	})
	t.Run("recv before any send fails with EFSM", func(t *testing.T) {
		overBoth(t, func(t *testing.T, addr string) {
			req := newSocket(t, zmq4.REQ)
			defer mustClose(t, req)
			peerSocket(t, "REP", bound(t, req, addr))
			_, _, err := req.Recv()
			sys.RequireErrno(t, err, EFSM, "recv before any request")
		})
	})
}

func TestREP(t *testing.T) {
	t.Run("send before any request fails with EFSM", func(t *testing.T) {
		overBoth(t, func(t *testing.T, addr string) {
			rep := newSocket(t, zmq4.REP)
			defer mustClose(t, rep)
			peerSocket(t, "REQ", bound(t, rep, addr))
			sys.RequireErrno(t, rep.Send([]byte("unasked"), false), EFSM, "send before any request")
		})
	})
	t.Run("second recv before the reply fails with EFSM", func(t *testing.T) {
		overBoth(t, func(t *testing.T, addr string) {
			rep := newSocket(t, zmq4.REP)
			defer mustClose(t, rep)
			peer := peerSocket(t, "REQ", bound(t, rep, addr))
			peer.Must(t, "ok", "send question")
			mustRecv(t, rep, "question")
			_, _, err := rep.Recv()
			sys.RequireErrno(t, err, EFSM, "second recv before the reply")
		})
	})
	// A REP's first call is a recv: with no request it waits for one
	// (EAGAIN once ZMQ_RCVTIMEO runs out), it is not out of turn.
	t.Run("recv before any request waits for one", func(t *testing.T) {
		overBoth(t, func(t *testing.T, addr string) {
			rep := newSocket(t, zmq4.REP)
			defer mustClose(t, rep)
			peerSocket(t, "REQ", bound(t, rep, addr))
			if err := rep.SetRcvtimeo(sys.BlockBound()); err != nil {
				t.Fatalf("ZMQ_RCVTIMEO: %s", ErrName(err))
			}
			var err error
			waited := timed(func() { _, _, err = rep.Recv() })
			sys.RequireErrno(t, err, unix.EAGAIN, "recv with no request")
			if waited < sys.BlockBound()-time.Millisecond {
				t.Fatalf("recv with no request gave EAGAIN after %v, before ZMQ_RCVTIMEO (%v)", waited, sys.BlockBound())
			}
		})
	})
}
