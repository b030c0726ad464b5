package signals

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
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
	sfd  int // -1: rt_sigtimedwait
	set  unix.Sigset_t
	info Siginfo
	rec  unix.SignalfdSiginfo
}

// newBell sets up the calling thread, which must be locked, to take
// DataSignal by mode.
func newBell(mode string) (*bell, error) {
	b := &bell{sfd: -1, set: sys.SignalSet(DataSignal)}
	b.info = Siginfo{Signo: int32(DataSignal), Code: SiQueue, Pid: int32(unix.Getpid())}
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &b.set, nil); err != nil {
		return nil, err
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

// take waits for the next DataSignal and returns its value.
func (b *bell) take() (uint64, error) {
	if b.sfd < 0 {
		_, err := Wait(&b.set, &b.info)
		return b.info.Value, err
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

// BenchmarkDoorbell measures the row's doorbell alone: a round trip of one
// real-time signal each way between locked threads of two processes, sent
// with rt_tgsigqueueinfo, taken with rt_sigtimedwait or a signalfd read.
// It is what chose rt_sigtimedwait for signals-rt.
func BenchmarkDoorbell(b *testing.B) {
	for _, mode := range waitModes {
		for _, place := range table.Placements() {
			b.Run(fmt.Sprintf("wait=%s/place=%s", mode, place.Name), func(b *testing.B) {
				peer := proc.Spawn(b, "sig-bell", proc.PeerSpec{Args: []string{mode}, CPU: proc.PinCPU(place.Peer)})
				unpin, err := sys.Pin(place.Self)
				if err != nil {
					b.Fatalf("pin to cpu %d: %v", place.Self, err)
				}
				defer unpin()
				bl, err := newBell(mode)
				if err != nil {
					b.Fatal(err)
				}
				if bl.sfd >= 0 {
					defer unix.Close(bl.sfd)
				}
				defer unix.PthreadSigmask(unix.SIG_UNBLOCK, &bl.set, nil)
				ptid := peer.Thread(b)
				peer.Send(b, "tid "+strconv.Itoa(unix.Gettid()))
				sys.SetRawIO(true)
				defer sys.SetRawIO(false)
				v := uint64(0)
				roundTrip := func() {
					v++
					if err := bl.ring(peer.Pid, ptid, v); err != nil {
						b.Fatalf("ring: %s", sys.ErrnoName(err))
					}
					got, err := bl.take()
					if err != nil || got != v {
						b.Fatalf("doorbell %d came back as %d, %v", v, got, err)
					}
				}
				for range 1000 {
					roundTrip()
				}
				cpu := table.StartCPUClock(peer.Pid)
				b.ReportAllocs()
				for b.Loop() {
					roundTrip()
				}
				table.ReportRate(b, cpu)
				if err := bl.ring(peer.Pid, ptid, 0); err != nil {
					b.Fatal(err)
				}
				peer.RequireExit(b, 0)
			})
		}
	}
}
