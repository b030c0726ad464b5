// Package ringtest holds the rules every transport built on shmring obeys,
// as test bodies that each mechanism's tests run over its own transports:
// how a blocking variant sleeps and wakes, a full ring, and the hang-up.
package ringtest

import (
	"errors"
	"io"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// ReceiverSleepsUntilSent: a blocking transport's receiver sleeps in the
// kernel (as asleep says) while nothing has been sent, rather than
// spinning, and a Send wakes it with the message.
func ReceiverSleepsUntilSent(t *testing.T, tr table.Transport, asleep Sleep) {
	ep, peer := table.OpenEnd(t, tr)
	peer.Send(t, "recv 5")
	asleep(t, peer.Pid, func() { peer.RequireSilent(t, "Recv with nothing sent") })
	if err := ep.Send([]byte("hello")); err != nil {
		t.Fatalf("send: %v", err)
	}
	peer.Expect(t, "hello")
}

// FullRingWaitsForSpace: a ring holds capacity messages; the sender's next
// Send waits (asleep as asleep says, for a blocking transport; nil for a
// spinning one) until the receiver has taken half of them, since the
// receiver hands cells back in batches of capacity/2, and then goes
// through.
func FullRingWaitsForSpace(t *testing.T, tr table.Transport, capacity int, asleep Sleep) {
	ep, peer := table.OpenEnd(t, tr)
	msg := make([]byte, 100)
	for i := range capacity {
		if err := sys.Returns(t, "Send to a ring with room", func() error { return ep.Send(msg) }); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	send := sys.Start("Send to a full ring", func() error { return ep.Send(msg) })
	if asleep != nil {
		asleep(t, os.Getpid(), func() { send.RequireBlocked(t) })
	} else {
		send.RequireBlocked(t)
	}
	peer.Must(t, "ok", "recv %d 100", capacity/2-1)
	send.RequireBlocked(t)
	peer.Must(t, "ok", "recv 1 100")
	if err := send.Wait(t); err != nil {
		t.Fatalf("send after the receiver made room: %v", err)
	}
	peer.Must(t, "ok", "recv %d 100", capacity/2+1)
}

// RecvDrainsThenEnds: once one side closes, the other side's Recv returns
// what was sent before the close and then io.EOF, at once instead of
// waiting, and its Send fails with EPIPE.
func RecvDrainsThenEnds(t *testing.T, tr table.Transport) {
	ep, peer := table.OpenEnd(t, tr)
	peer.Must(t, "ok", "send 3 100")
	peer.Must(t, "ok", "close")
	msg := make([]byte, 100)
	for i := range 3 {
		if err := ep.Recv(msg); err != nil {
			t.Fatalf("recv %d of 3 sent before the close: %v", i, err)
		}
	}
	err := sys.Returns(t, "Recv after the close", func() error { return ep.Recv(msg) })
	if !errors.Is(err, io.EOF) {
		t.Fatalf("Recv after the other side closed: %v, want EOF", err)
	}
	sys.RequireErrno(t, ep.Send(msg), unix.EPIPE, "Send after the other side closed")
}

// CloseWakesASleeper: a receiver asleep in the kernel (as asleep says) is
// woken by the other side's Close and gets io.EOF.
func CloseWakesASleeper(t *testing.T, tr table.Transport, asleep Sleep) {
	ep, peer := table.OpenEnd(t, tr)
	peer.Send(t, "recv 1 100")
	asleep(t, peer.Pid, func() { peer.RequireSilent(t, "Recv with nothing sent") })
	if err := ep.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	peer.Expect(t, "EOF")
}

// SpinnerSeesTheMessage: a spinning receiver, already polling, gets a
// message sent after it started waiting.
func SpinnerSeesTheMessage(t *testing.T, tr table.Transport) {
	ep, peer := table.OpenEnd(t, tr)
	peer.Send(t, "recv 5")
	peer.RequireSilent(t, "Recv with nothing sent")
	if err := ep.Send([]byte("hello")); err != nil {
		t.Fatalf("send: %v", err)
	}
	peer.Expect(t, "hello")
}
