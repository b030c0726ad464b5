package sysvshm

import (
	"os"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/shmring"
	"github.com/ipcsuite/ipcsuite/helpers/shmring/ringtest"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
	"github.com/ipcsuite/ipcsuite/mechanisms/sysvsem"
)

// The blocking transport's receiver sleeps in semop while nothing has been
// sent (rather than spinning), and the sender's doorbell wakes it.
func TestSemTransportReceiverSleepsInSemopUntilRung(t *testing.T) {
	ep, peer := table.OpenEnd(t, SemTransport)
	peer.Send(t, "recv 1 100")
	sysvsem.RequireSemopWait(t, peer.Pid, func() { peer.RequireSilent(t, "Recv with nothing sent") })
	if err := ep.Send(make([]byte, 100)); err != nil {
		t.Fatalf("send: %v", err)
	}
	peer.Expect(t, "ok")
}

// A ring holds shmring.RowCapacity messages: the sender's next Send sleeps
// in semop until the receiver has taken half of them (the receiver hands
// cells back in batches of half), and then goes through.
func TestSemTransportSendToAFullRingWaitsForSpace(t *testing.T) {
	ep, peer := table.OpenEnd(t, SemTransport)
	msg := make([]byte, 100)
	for i := range shmring.RowCapacity {
		if err := sys.Returns(t, "Send to a ring with room", func() error { return ep.Send(msg) }); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	send := sys.Start("Send to a full ring", func() error { return ep.Send(msg) })
	sysvsem.RequireSemopWait(t, os.Getpid(), func() { send.RequireBlocked(t) })
	peer.Must(t, "ok", "recv %d 100", shmring.RowCapacity/2-1)
	send.RequireBlocked(t)
	peer.Must(t, "ok", "recv 1 100")
	if err := send.Wait(t); err != nil {
		t.Fatalf("send after the receiver made room: %v", err)
	}
	peer.Must(t, "ok", "recv %d 100", shmring.RowCapacity/2+1)
}

// Once one side closes, the other side's Recv returns what was sent before
// the close and then io.EOF, at once instead of waiting, and its Send
// fails with EPIPE: for every variant. A receiver already asleep is woken.
func TestTransportRecvDrainsThenEndsAfterTheOtherSideCloses(t *testing.T) {
	for _, tr := range []table.Transport{SpinTransport, SemTransport, FutexTransport} {
		t.Run(tr.Name, func(t *testing.T) { ringtest.RecvDrainsThenEnds(t, tr) })
	}
	t.Run("asleep", func(t *testing.T) {
		ep, peer := table.OpenEnd(t, SemTransport)
		peer.Send(t, "recv 1 100")
		sysvsem.RequireSemopWait(t, peer.Pid, func() { peer.RequireSilent(t, "Recv with nothing sent") })
		if err := ep.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		peer.Expect(t, "EOF")
	})
}

// The futex variant's receiver sleeps in FUTEX_WAIT on the segment's
// memory while nothing has been sent, and the sender's FUTEX_WAKE brings it
// the message.
func TestFutexTransportReceiverSleepsInFutexUntilSent(t *testing.T) {
	ringtest.ReceiverSleepsUntilSent(t, FutexTransport, ringtest.FutexSleep)
}

// A full ring: the futex variant's sender sleeps in FUTEX_WAIT on the
// tail until the receiver frees a batch of cells.
func TestFutexTransportSendToAFullRingWaitsForSpace(t *testing.T) {
	ringtest.FullRingWaitsForSpace(t, FutexTransport, shmring.RowCapacity, ringtest.FutexSleep)
}

// The futex variant's receiver asleep in FUTEX_WAIT is woken by the other
// side's Close.
func TestFutexTransportCloseWakesASleepingReceiver(t *testing.T) {
	ringtest.CloseWakesASleeper(t, FutexTransport, ringtest.FutexSleep)
}
