package sysvshm

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
	"github.com/ipcsuite/ipcsuite/mechanisms/sysvsem"
)

// The "slot" peer attaches a transport's peer end (args from Open) and
// works it by command: "recv N SIZE" and "send N SIZE" answer "ok" or the
// first error; "close" hangs up its end.
func init() { proc.Register("slot", slotRole) }

func slotRole(args []string) int {
	transports := map[string]table.Transport{SpinTransport.Name: SpinTransport, SemTransport.Name: SemTransport}
	tr, ok := transports[args[0]]
	if !ok {
		proc.Fatalf("slot: unknown transport %q", args[0])
	}
	ep, err := tr.Attach(args[1:])
	proc.Check(err, "attach")
	proc.Tell("attached")
	for {
		cmd := strings.Fields(proc.Await())
		switch cmd[0] {
		case "recv", "send":
			n, err1 := strconv.Atoi(cmd[1])
			size, err2 := strconv.Atoi(cmd[2])
			proc.Check(errors.Join(err1, err2), "command")
			msg := make([]byte, size)
			var err error
			for i := 0; i < n && err == nil; i++ {
				if cmd[0] == "recv" {
					err = ep.Recv(msg)
				} else {
					err = ep.Send(msg)
				}
			}
			proc.Tell(result(err))
		case "close":
			proc.Tell(result(ep.Close()))
		default:
			proc.Fatalf("slot: unknown command %q", cmd)
		}
	}
}

func result(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, io.EOF):
		return "EOF"
	default:
		return sys.ErrnoName(err)
	}
}

// openSlot opens tr and starts a "slot" peer on its other end.
func openSlot(t *testing.T, tr table.Transport) (table.Endpoint, *proc.Peer) {
	ep, spec := tr.Open(t)
	spec.Args = append([]string{tr.Name}, spec.Args...)
	peer := proc.Spawn(t, "slot", spec)
	peer.Expect(t, "attached")
	return ep, peer
}

func mustDo(t *testing.T, peer *proc.Peer, want, cmd string) {
	t.Helper()
	peer.Send(t, cmd)
	if got := peer.Next(t); got != want {
		t.Fatalf("peer: %q answered %q, want %q", cmd, got, want)
	}
}

// The blocking transport's receiver sleeps in semop while nothing has been
// sent (rather than spinning), and the sender's doorbell wakes it.
func TestSemTransportReceiverSleepsInSemopUntilRung(t *testing.T) {
	ep, peer := openSlot(t, SemTransport)
	peer.Send(t, "recv 1 100")
	sysvsem.RequireSemopWait(t, peer.Pid, func() { peer.RequireSilent(t, "Recv with nothing sent") })
	if err := ep.Send(make([]byte, 100)); err != nil {
		t.Fatalf("send: %v", err)
	}
	peer.Expect(t, "ok")
}

// A slot holds `capacity` messages: the sender's next Send sleeps in semop
// until the receiver has taken half of them (the receiver hands cells back
// in batches of capacity/2), and then goes through.
func TestSemTransportSendToAFullSlotWaitsForSpace(t *testing.T) {
	ep, peer := openSlot(t, SemTransport)
	msg := make([]byte, 100)
	for i := range capacity {
		if err := sys.Returns(t, "Send to a slot with room", func() error { return ep.Send(msg) }); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	send := sys.Start("Send to a full slot", func() error { return ep.Send(msg) })
	sysvsem.RequireSemopWait(t, os.Getpid(), func() { send.RequireBlocked(t) })
	mustDo(t, peer, "ok", "recv "+strconv.Itoa(capacity/2-1)+" 100")
	send.RequireBlocked(t)
	mustDo(t, peer, "ok", "recv 1 100")
	if err := send.Wait(t); err != nil {
		t.Fatalf("send after the receiver made room: %v", err)
	}
	mustDo(t, peer, "ok", "recv "+strconv.Itoa(capacity/2+1)+" 100")
}

// Once one side closes, the other side's Recv returns what was sent before
// the close and then io.EOF, at once instead of waiting, and its Send
// fails with EPIPE: for both transports. A receiver already asleep is woken.
func TestTransportRecvDrainsThenEndsAfterTheOtherSideCloses(t *testing.T) {
	for _, tr := range []table.Transport{SpinTransport, SemTransport} {
		t.Run(tr.Name, func(t *testing.T) {
			ep, peer := openSlot(t, tr)
			mustDo(t, peer, "ok", "send 3 100")
			mustDo(t, peer, "ok", "close")
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
		})
	}
	t.Run("asleep", func(t *testing.T) {
		ep, peer := openSlot(t, SemTransport)
		peer.Send(t, "recv 1 100")
		sysvsem.RequireSemopWait(t, peer.Pid, func() { peer.RequireSilent(t, "Recv with nothing sent") })
		if err := ep.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		peer.Expect(t, "EOF")
	})
}
