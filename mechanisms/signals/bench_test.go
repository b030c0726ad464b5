package signals

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// Ways a thread that blocks a signal can take it: rt_sigtimedwait, which
// the signals-rt row uses, or a blocking read(2) of a signalfd.
var waitModes = []string{"sigtimedwait", "signalfd"}

// A bell is one side of a bare doorbell ping-pong: a locked thread that
// blocks DataSignal, takes it one way and sends it to the other side's
// thread with rt_tgsigqueueinfo.
type bell struct {
	sfd   int           // -1: rt_sigtimedwait
	bound time.Duration // how long take waits; 0: for ever
	set   unix.Sigset_t
	info  Siginfo
	rec   unix.SignalfdSiginfo
}

// newBell sets up the calling thread, which must be locked, to take
// DataSignal by mode.
func newBell(mode string) (*bell, error) {
	b := &bell{sfd: -1, set: sys.SignalSet(DataSignal)}
	b.info = Siginfo{Signo: int32(DataSignal), Code: SiQueue, Pid: int32(unix.Getpid())}
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &b.set, nil); err != nil {
		return nil, err
	}
	// A hang-up of a signals-rt channel may have left a doorbell pending
	// on this thread: take it first.
	for {
		if _, err := TimedWait(&b.set, &b.info, 0); err == unix.EAGAIN {
			break
		} else if err != nil {
			return nil, err
		}
	}
	if mode == "signalfd" {
		fd, err := unix.Signalfd(-1, &b.set, unix.SFD_CLOEXEC)
		if err != nil {
			return nil, err
		}
		b.sfd = fd
	}
	return b, nil
}

// take waits for the next DataSignal and returns its value; EAGAIN if
// none came within the bell's bound.
func (b *bell) take() (uint64, error) {
	switch {
	case b.sfd < 0 && b.bound > 0:
		_, err := TimedWait(&b.set, &b.info, b.bound)
		return b.info.Value, err
	case b.sfd < 0:
		_, err := Wait(&b.set, &b.info)
		return b.info.Value, err
	case b.bound > 0:
		rec, ok, err := sys.ReadSignal(b.sfd, b.bound)
		if err == nil && !ok {
			err = unix.EAGAIN
		}
		return rec.Ptr, err
	}
	_, err := sys.Read(b.sfd, unsafe.Slice((*byte)(unsafe.Pointer(&b.rec)), unsafe.Sizeof(b.rec)))
	return b.rec.Ptr, err
}

// ring sends DataSignal with value to thread tid of process pid.
func (b *bell) ring(pid, tid int, value uint64) error {
	b.info.Value = value
	b.info.Signo, b.info.Code, b.info.Pid = int32(DataSignal), SiQueue, int32(unix.Getpid())
	return TgQueue(pid, tid, DataSignal, &b.info)
}

// bellRole answers every doorbell with one carrying the same value, until
// a value of 0. Its argument is the wait mode; the test's thread id comes
// on the control channel.
func bellRole(args []string) int {
	sys.SetRawIO(true)
	b, err := newBell(args[0])
	proc.Check(err, "set up the doorbell")
	proc.TellThread() // newBell ran on this thread: the role's thread is locked (see init)
	tid, err := strconv.Atoi(strings.TrimPrefix(proc.Await(), "tid "))
	proc.Check(err, "the test's thread")
	for {
		v, err := b.take()
		proc.Check(err, "take the doorbell")
		if v == 0 {
			return 0
		}
		proc.Check(b.ring(proc.ParentPid(), tid, v), "ring back")
	}
}

// startBell starts a "sig-bell" peer placed as place says and sets up the
// calling goroutine, locked to its pinned thread until the test ends, as
// the other side. It returns one round trip, which checks that the value
// comes back (within WakeBound in a test), and the peer's pid.
func startBell(tb testing.TB, mode string, place table.Placement) (roundTrip func(), peerPid int) {
	tb.Helper()
	peer := proc.Spawn(tb, "sig-bell", proc.PeerSpec{Args: []string{mode}, CPU: proc.PinCPU(place.Peer)})
	unpin, err := sys.Pin(place.Self)
	if err != nil {
		tb.Fatalf("pin to cpu %d: %v", place.Self, err)
	}
	bl, err := newBell(mode)
	if err != nil {
		unpin()
		tb.Fatal(err)
	}
	if _, ok := tb.(*testing.T); ok {
		bl.bound = sys.WakeBound()
	}
	ptid := peer.Thread(tb)
	peer.Send(tb, "tid "+strconv.Itoa(unix.Gettid()))
	tb.Cleanup(func() {
		defer unpin()
		if tb.Failed() {
			return // the peer may never see the end: Spawn's cleanup kills it
		}
		if err := bl.ring(peer.Pid, ptid, 0); err != nil {
			tb.Errorf("ring the end: %s", sys.ErrnoName(err))
		}
		peer.RequireExit(tb, 0)
		if bl.sfd >= 0 {
			unix.Close(bl.sfd)
		}
		unix.PthreadSigmask(unix.SIG_UNBLOCK, &bl.set, nil)
	})
	v := uint64(0)
	roundTrip = func() {
		v++
		if err := bl.ring(peer.Pid, ptid, v); err != nil {
			tb.Fatalf("ring: %s", sys.ErrnoName(err))
		}
		got, err := bl.take()
		if err != nil || got != v {
			tb.Fatalf("doorbell %d came back as %d, %v", v, got, err)
		}
	}
	return roundTrip, peer.Pid
}

// Both ways of taking the doorbell, rt_sigtimedwait and a signalfd read,
// take every real-time signal once and in order, with its value: each of a
// run of round trips gets back the value it sent.
func TestDoorbellTakenEitherWay(t *testing.T) {
	for _, mode := range waitModes {
		t.Run(mode, func(t *testing.T) {
			roundTrip, _ := startBell(t, mode, table.Placements()[0])
			for range 1000 {
				roundTrip()
			}
		})
	}
}

// BenchmarkDoorbell measures the row's doorbell alone: a round trip of one
// real-time signal each way between locked threads of two processes, sent
// with rt_tgsigqueueinfo, taken with rt_sigtimedwait or a signalfd read.
// It is what chose rt_sigtimedwait for signals-rt.
func BenchmarkDoorbell(b *testing.B) {
	for _, mode := range waitModes {
		for _, place := range table.Placements() {
			b.Run(fmt.Sprintf("wait=%s/place=%s", mode, place.Name), func(b *testing.B) {
				roundTrip, peerPid := startBell(b, mode, place)
				sys.SetRawIO(true)
				defer sys.SetRawIO(false)
				for range 1000 {
					roundTrip()
				}
				cpu := table.StartCPUClock(peerPid)
				b.ReportAllocs()
				for b.Loop() {
					roundTrip()
				}
				table.ReportRate(b, cpu)
			})
		}
	}
}
