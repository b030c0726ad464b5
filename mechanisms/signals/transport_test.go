package signals

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// spawnEcho opens the transport and starts a "sig-echo" peer for messages
// of size bytes, which echoes once told "go".
func spawnEcho(t *testing.T, size int) (*Endpoint, *proc.Peer) {
	t.Helper()
	ep, spec := open(t)
	spec.Args = append(spec.Args, strconv.Itoa(size))
	peer := proc.Spawn(t, "sig-echo", spec)
	return ep.(*Endpoint), peer
}

// peerStats reads the counts the echo peer tells.
func peerStats(t *testing.T, peer *proc.Peer) Stats {
	t.Helper()
	var s Stats
	line := peer.Next(t)
	if _, err := fmt.Sscanf(line, "%d %d %d", &s.Rung, &s.Taken, &s.Found); err != nil {
		t.Fatalf("peer said %q, want its doorbell counts", line)
	}
	return s
}

func (s Stats) minus(o Stats) Stats {
	return Stats{s.Rung - o.Rung, s.Taken - o.Taken, s.Found - o.Found}
}

// The row sends one signal per message each way and each message is taken
// on its own signal: after the first exchange (when a side may send before
// the other has a receiving thread to ring), N round trips ring N times
// and take N doorbells on both sides, with no message found without one.
// A doorbell rung only for a sleeping receiver would ring fewer.
func TestRowSignalsOncePerMessage(t *testing.T) {
	const n = 1000
	ep, peer := spawnEcho(t, 100)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	peer.Send(t, "go")
	msg := make([]byte, 100)
	roundTrip := func(i int) {
		msg[0] = byte(i)
		if err := ep.Send(msg); err != nil {
			t.Fatalf("send %d: %s", i, sys.ErrnoName(err))
		}
		if err := ep.Recv(msg); err != nil {
			t.Fatalf("recv %d: %s", i, sys.ErrnoName(err))
		}
		if msg[0] != byte(i) {
			t.Fatalf("echo %d came back as %d", i, msg[0])
		}
	}
	roundTrip(0)
	peerWarm, warm := peerStats(t, peer), ep.Stats()
	for i := 1; i <= n; i++ {
		roundTrip(i)
	}
	mine := ep.Stats().minus(warm)
	ep.Close()
	theirs := peerStats(t, peer).minus(peerWarm)
	want := Stats{Rung: n, Taken: n}
	if mine != want || theirs != want {
		t.Fatalf("over %d round trips: test %+v, peer %+v; want %+v on each side", n, mine, theirs, want)
	}
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
}

// sigtimedwaitWaits are the kernel functions a thread asleep in
// rt_sigtimedwait sleeps in, as /proc/PID/task/TID/wchan names them (a
// compiler may rename or inline do_sigtimedwait).
var sigtimedwaitWaits = []string{
	"do_sigtimedwait", "do_sigtimedwait.isra.0", "do_sigtimedwait.constprop.0",
	"__do_sys_rt_sigtimedwait", "__se_sys_rt_sigtimedwait", "__x64_sys_rt_sigtimedwait", "__arm64_sys_rt_sigtimedwait",
}

// requireAsleep shows that p has not returned and that a thread of this
// process sleeps in rt_sigtimedwait: the row waits asleep, not spinning.
func requireAsleep[T any](t *testing.T, p *sys.Pending[T]) {
	t.Helper()
	p.RequireBlocked(t)
	sys.RequireKernelWait(t, unix.Getpid(), func() { p.RequireBlocked(t) }, sigtimedwaitWaits...)
}

// Recv on an empty lane sleeps in rt_sigtimedwait, and a hang-up of the
// lane (Close, here by the receiver's own process) wakes it with io.EOF.
func TestRowRecvSleepsUntilHangup(t *testing.T) {
	ep, _ := spawnEcho(t, 8)
	p := sys.Start("Recv on an empty lane", func() error { return ep.Recv(make([]byte, 8)) })
	requireAsleep(t, p)
	ep.Close()
	if err := p.Wait(t); err != io.EOF {
		t.Fatalf("Recv after the hang-up: %v, want io.EOF", err)
	}
}

// A full lane makes Send sleep in rt_sigtimedwait, until the receiver
// takes a message and sends the space signal; nothing is lost or
// reordered on the way.
func TestRowSendWaitsForSpace(t *testing.T) {
	ep, peer := spawnEcho(t, 8)
	msg := func(i int) []byte { return []byte(fmt.Sprintf("m%07d", i)) }
	for i := range Capacity {
		if err := ep.Send(msg(i)); err != nil {
			t.Fatalf("send %d: %s", i, sys.ErrnoName(err))
		}
	}
	p := sys.Start("Send to a full lane", func() error { return ep.Send(msg(Capacity)) })
	requireAsleep(t, p)
	peer.Send(t, "go")
	if err := p.Wait(t); err != nil {
		t.Fatalf("send %d: %s", Capacity, sys.ErrnoName(err))
	}
	got := make([]byte, 8)
	for i := range Capacity + 1 {
		if err := ep.Recv(got); err != nil {
			t.Fatalf("recv %d: %s", i, sys.ErrnoName(err))
		}
		if !bytes.Equal(got, msg(i)) {
			t.Fatalf("echo %d: %q, want %q", i, got, msg(i))
		}
	}
	ep.Close()
	peerStats(t, peer)
	peerStats(t, peer)
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
}

// A doorbell pending on the receiving thread that is not this channel's
// next message's, one with another channel's cookie or one whose message
// is not yet published, is not taken for it: Recv sleeps on until the
// real message comes, and returns it.
func TestRowIgnoresStaleDoorbells(t *testing.T) {
	ep, peer := spawnEcho(t, 8)
	p := sys.Start("Recv with stale doorbells pending", func() error {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		set := sys.SignalSet(DataSignal)
		if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, nil); err != nil {
			return err
		}
		for _, v := range []uint64{(ep.cookie ^ 1<<32) | 1, ep.cookie | 1} {
			info := queued(DataSignal, v)
			if err := TgQueue(unix.Getpid(), unix.Gettid(), DataSignal, info); err != nil {
				return err
			}
		}
		got := make([]byte, 8)
		if err := ep.Recv(got); err != nil {
			return err
		}
		if string(got) != "echoed!!" {
			return fmt.Errorf("Recv returned %q, want the echo", got)
		}
		return nil
	})
	requireAsleep(t, p)
	if err := ep.Send([]byte("echoed!!")); err != nil {
		t.Fatalf("send: %s", sys.ErrnoName(err))
	}
	peer.Send(t, "go")
	if err := p.Wait(t); err != nil {
		t.Fatal(err)
	}
	ep.Close()
	peerStats(t, peer)
	peerStats(t, peer)
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
}
