//go:build zmq

package zmq

import (
	"io"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/table"
)

var transports = []table.Transport{IPC, TCP}

// The transport contract over both transports (the top level's
// TestContract runs it too, built with the zmq tag).
func TestTransportContract(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.Name, func(t *testing.T) { table.Contract(t, tr) })
	}
}

// Closing the test's end ends the peer's Recv with end of file: the
// peer's monitor sees the connection drop. A REP replies before it
// receives again; the reply to a closed end is dropped.
func TestTransportCloseEndsPeerRecv(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.Name, func(t *testing.T) {
			ep, peer := table.OpenEnd(t, tr)
			if err := ep.Send([]byte("ping")); err != nil {
				t.Fatalf("Send: %s", ErrName(err))
			}
			peer.Must(t, "ping", "recv 4")
			if err := ep.Close(); err != nil {
				t.Fatalf("Close: %s", ErrName(err))
			}
			peer.Must(t, "ok", "send pong")
			peer.Must(t, "EOF", "recv 4")
		})
	}
}

// The peer's Close ends the test's Recv with end of file, once it has
// delivered the reply sent before.
func TestTransportPeerCloseEndsRecv(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.Name, func(t *testing.T) {
			ep, peer := table.OpenEnd(t, tr)
			if err := ep.Send([]byte("ping")); err != nil {
				t.Fatalf("Send: %s", ErrName(err))
			}
			peer.Must(t, "ping", "recv 4")
			peer.Must(t, "ok", "send pong")
			peer.Must(t, "ok", "close")
			buf := make([]byte, 4)
			if err := ep.Recv(buf); err != nil || string(buf) != "pong" {
				t.Fatalf("Recv: %q, %s; want \"pong\"", buf, ErrName(err))
			}
			if err := ep.Recv(buf); err != io.EOF {
				t.Fatalf("Recv after the peer closed: %s, want EOF", ErrName(err))
			}
		})
	}
}
