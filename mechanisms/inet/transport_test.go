package inet

import (
	"errors"
	"io"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// The transports' own rules, beside the contract that the top level runs.

func TestTransportCloseEndsTheOtherEndsRecv(t *testing.T) {
	for _, tr := range []table.Transport{TCP, UDP} {
		t.Run(tr.Name+" peer closes", func(t *testing.T) {
			ep, p := table.OpenEnd(t, tr)
			p.Must(t, "ok", "send ping")
			buf := make([]byte, 4)
			if err := ep.Recv(buf); err != nil || string(buf) != "ping" {
				t.Fatalf("recv: %q %v, want ping", buf, err)
			}
			p.Must(t, "ok", "close")
			err := sys.Start("recv after the peer's close", func() error { return ep.Recv(buf) }).Wait(t)
			if !errors.Is(err, io.EOF) {
				t.Fatalf("recv after the peer's close: %v, want EOF", err)
			}
		})
		t.Run(tr.Name+" test closes", func(t *testing.T) {
			ep, p := table.OpenEnd(t, tr)
			if err := ep.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			p.Must(t, "EOF", "recv 4")
		})
	}
}

// A datagram is one message: one of another size than asked is an error,
// not a part of the next.
func TestUDPTransportRefusesDatagramOfWrongSize(t *testing.T) {
	ep, p := table.OpenEnd(t, UDP)
	p.Must(t, "ok", "send toolong")
	buf := make([]byte, 4)
	err := sys.Start("recv of a longer datagram", func() error { return ep.Recv(buf) }).Wait(t)
	if err == nil || err.Error() != "udp: a datagram of 7 bytes, want 4" {
		t.Fatalf("recv(4) of a 7-byte datagram: %v, want the size named", err)
	}
	p.Must(t, "ok", "send next")
	if err := sys.Start("recv of the next", func() error { return ep.Recv(buf) }).Wait(t); err != nil || string(buf) != "next" {
		t.Fatalf("recv of the next datagram: %q %v, want next", buf, err)
	}
}

// Once the peer's socket is gone, the ICMP error that a datagram sent to
// it brings back is reported ahead of the datagrams the peer sent while it
// lived: the transport takes those first, and fails after them.
func TestUDPTransportTakesWhatAGonePeerSentBeforeFailing(t *testing.T) {
	ep, p := table.OpenEnd(t, UDP)
	p.Must(t, "ok", "send 3 4")
	p.Send(t, "exit")
	p.RequireExit(t, 0)
	d := ep.(*Datagrams)
	if err := d.Send([]byte("ping")); err != nil {
		t.Fatalf("send to the gone peer's port: %v", err)
	}
	// poll for no event but the error, which it always reports.
	rev, err := sys.Revents(d.FD, 0, int(sys.WakeBound()/time.Millisecond))
	if err != nil || rev&unix.POLLERR == 0 {
		t.Fatalf("poll for the ICMP error: revents %#x %s, want POLLERR", rev, sys.ErrnoName(err))
	}
	buf := make([]byte, 4)
	for i := range 3 {
		if err := ep.Recv(buf); err != nil {
			t.Fatalf("recv of the peer's message %d: %v, want it", i, err)
		}
	}
	err = sys.Returns(t, "recv after the peer's messages", func() error { return ep.Recv(buf) })
	if err != unix.ECONNREFUSED {
		t.Fatalf("recv after the peer's messages: %v, want ECONNREFUSED", err)
	}
}
