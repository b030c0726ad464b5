package helpers

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
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
//   - memcpy: copying one message, the floor of any copy-based transport.
func BenchFloors(b *testing.B) {
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
}

func benchSyscall(b *testing.B, place Placement) {
	unpin, err := Pin(place.Self)
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

// SharedMemory maps size bytes of an anonymous memory file shared with
// whoever gets fd (a peer, through PeerSpec.Files). Both are released at
// the end of the test.
func SharedMemory(t testing.TB, size int) (fd int, mem []byte) {
	t.Helper()
	fd, err := unix.MemfdCreate(Prefix+"shared", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatalf("memfd_create: %s", ErrnoName(err))
	}
	Own(t, fd)
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		t.Fatalf("ftruncate memfd: %s", ErrnoName(err))
	}
	mem, err = MapShared(fd, size)
	if err != nil {
		t.Fatalf("mmap memfd: %s", ErrnoName(err))
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	return fd, mem
}

// MapShared maps size bytes of fd read-write and shared.
func MapShared(fd, size int) ([]byte, error) {
	return unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
}

// Word returns the 32-bit word at the start of mem, for atomics and futexes.
func Word(mem []byte) *atomic.Uint32 {
	return (*atomic.Uint32)(unsafe.Pointer(&mem[0]))
}

// Futex operations (linux/futex.h), shared rather than private: the word
// lives in memory that several processes map.
const (
	futexWait = 0
	futexWake = 1
)

// FutexWait sleeps while *w == val (a shared futex: the word is in memory
// that several processes map). It returns at once if *w != val.
func FutexWait(w *atomic.Uint32, val uint32) {
	// Raw: callers are benchmark loops on pinned, locked threads (see rawIO).
	unix.RawSyscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(w)), futexWait, uintptr(val), 0, 0, 0)
}

// FutexWake wakes one process sleeping on w.
func FutexWake(w *atomic.Uint32) {
	unix.RawSyscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(w)), futexWake, 1, 0, 0, 0)
}

// The shared word counts turns: odd means the peer's turn, even the
// test's. stopTurn tells the peer to exit.
const stopTurn = ^uint32(0)

type sharedMode string

const (
	sharedFutex sharedMode = "futex"
	sharedSpin  sharedMode = "spin"
)

func init() { register("floor/shared", floorPeer, true) }

// benchShared bounces the turn word between the test and a peer, sleeping
// on a futex or spinning, depending on mode.
func benchShared(b *testing.B, place Placement, mode sharedMode) {
	fd, mem := SharedMemory(b, 4096)
	turn := Word(mem)
	peer := Spawn(b, "floor/shared", PeerSpec{Files: []int{fd}, Args: []string{string(mode)}, CPU: &place.Peer})
	b.Cleanup(func() {
		turn.Store(stopTurn)
		FutexWake(turn)
	})
	unpin, err := Pin(place.Self)
	if err != nil {
		b.Fatal(err)
	}
	defer unpin()
	var next uint32 // the value the test stores next: always odd
	roundTrip := func() {
		next++
		turn.Store(next)
		if mode == sharedFutex {
			FutexWake(turn)
			for turn.Load() == next {
				FutexWait(turn, next)
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
		Fatalf("floor peer: want mode, got %q", args)
	}
	mode := sharedMode(args[0])
	mem, err := MapShared(PeerFD(0), 4096)
	Check(err, "mmap shared memory")
	runtime.LockOSThread()
	turn := Word(mem)
	for seen := uint32(0); ; seen += 2 {
		v := turn.Load()
		for v == seen {
			if mode == sharedFutex {
				FutexWait(turn, seen)
			}
			v = turn.Load()
		}
		if v == stopTurn {
			return 0
		}
		turn.Store(v + 1)
		if mode == sharedFutex {
			FutexWake(turn)
		}
	}
}
