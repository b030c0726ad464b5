package table

import (
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/shmring"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The floors are baselines measured in the same run as the table, so that
// every figure can be quoted as a ratio on a noisy, shared machine:
//   - syscall: the cheapest system call, a bound on any per-message kernel cost;
//   - futex: a wakeup round trip between two processes with the least work
//     the kernel allows (futex wait and wake on shared memory), the floor
//     of every kernel-mediated row;
//   - cacheline: one cache line bounced between two processes spinning on
//     shared memory, the floor of every shared-memory row (split CPUs only:
//     two spinners on one CPU starve each other);
//   - memcpy: copying one message, the floor of any copy-based transport;
//   - clock: one reading of the monotonic clock, which every latency figure
//     contains (Latency).
func Floors(b *testing.B) {
	for _, place := range Placements() {
		b.Run("floor=syscall/place="+place.Name, func(b *testing.B) { benchSyscall(b, place) })
	}
	for _, place := range Placements() {
		b.Run("floor=futex/place="+place.Name, func(b *testing.B) { benchShared(b, place, sharedFutex) })
	}
	if split, ok := Split(); ok {
		b.Run("floor=cacheline/place=split", func(b *testing.B) { benchShared(b, split, sharedSpin) })
	}
	for _, size := range Sizes() {
		b.Run(fmt.Sprintf("floor=memcpy/size=%d", size), func(b *testing.B) { benchMemcpy(b, size) })
	}
	for _, place := range Placements() {
		b.Run("floor=clock/place="+place.Name, func(b *testing.B) { benchClock(b, place) })
	}
}

func benchSyscall(b *testing.B, place Placement) {
	unpin, err := sys.Pin(place.Self)
	if err != nil {
		b.Fatal(err)
	}
	defer unpin()
	for b.Loop() {
		unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}

func benchMemcpy(b *testing.B, size int) {
	src, dst := make([]byte, size), make([]byte, size)
	b.SetBytes(int64(size))
	for b.Loop() {
		copy(dst, src)
	}
	runtime.KeepAlive(dst)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}

// The shared word counts turns: odd means the peer's turn, even the
// test's. stopTurn tells the peer to exit.
const stopTurn = ^uint32(0)

type sharedMode string

const (
	sharedFutex sharedMode = "futex"
	sharedSpin  sharedMode = "spin"
)

func init() { proc.RegisterShared("floor/shared", floorPeer) }

// benchShared bounces the turn word between the test and a peer, sleeping
// on a futex or spinning, depending on mode.
func benchShared(b *testing.B, place Placement, mode sharedMode) {
	fd, mem := shmring.SharedMemory(b, 4096)
	turn := shmring.Word(mem)
	peer := proc.Spawn(b, "floor/shared", proc.PeerSpec{Files: []int{fd}, Args: []string{string(mode)}, CPU: &place.Peer})
	b.Cleanup(func() {
		turn.Store(stopTurn)
		shmring.FutexWake(turn)
	})
	unpin, err := sys.Pin(place.Self)
	if err != nil {
		b.Fatal(err)
	}
	defer unpin()
	var next uint32 // the value the test stores next: always odd
	roundTrip := func() {
		next++
		turn.Store(next)
		if mode == sharedFutex {
			shmring.FutexWake(turn)
			for turn.Load() == next {
				shmring.FutexWait(turn, next)
			}
		} else {
			for turn.Load() == next {
			}
		}
		next++
	}
	for range 1000 {
		roundTrip()
	}
	cpu := StartCPUClock(peer.Pid)
	for b.Loop() {
		roundTrip()
	}
	ReportRate(b, cpu)
}

// floorPeer answers each odd turn with the next even one.
func floorPeer(args []string) int {
	if len(args) != 1 {
		proc.Fatalf("floor peer: want mode, got %q", args)
	}
	mode := sharedMode(args[0])
	mem, err := shmring.MapShared(proc.PeerFD(0), 4096)
	proc.Check(err, "mmap shared memory")
	runtime.LockOSThread()
	turn := shmring.Word(mem)
	for seen := uint32(0); ; seen += 2 {
		v := turn.Load()
		for v == seen {
			if mode == sharedFutex {
				shmring.FutexWait(turn, seen)
			}
			v = turn.Load()
		}
		if v == stopTurn {
			return 0
		}
		turn.Store(v + 1)
		if mode == sharedFutex {
			shmring.FutexWake(turn)
		}
	}
}
