package shmring

import (
	"sync/atomic"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// SharedMemory maps size bytes of an anonymous memory file shared with
// whoever gets fd (a peer, through PeerSpec.Files). Both are released at
// the end of the test.
func SharedMemory(t testing.TB, size int) (fd int, mem []byte) {
	t.Helper()
	fd, err := unix.MemfdCreate(proc.Prefix+"shared", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatalf("memfd_create: %s", sys.ErrnoName(err))
	}
	sys.Own(t, fd)
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		t.Fatalf("ftruncate memfd: %s", sys.ErrnoName(err))
	}
	mem, err = MapShared(fd, size)
	if err != nil {
		t.Fatalf("mmap memfd: %s", sys.ErrnoName(err))
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
	futexWaitOp = 0
	futexWakeOp = 1
)

// FutexWait sleeps while *w == val (a shared futex: the word is in memory
// that several processes map). It returns at once if *w != val.
func FutexWait(w *atomic.Uint32, val uint32) {
	// Raw: callers are benchmark loops on pinned, locked threads (see rawIO).
	unix.RawSyscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(w)), futexWaitOp, uintptr(val), 0, 0, 0)
}

// FutexWake wakes one process sleeping on w.
func FutexWake(w *atomic.Uint32) {
	unix.RawSyscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(w)), futexWakeOp, 1, 0, 0, 0)
}

// futexWait sleeps while *w == val, for a Ring: in a benchmark loop's raw
// mode a raw call (see sys.SetRawIO), elsewhere one the runtime knows
// about, so that a long sleep does not hold up the garbage collector. Its
// errors (EAGAIN when *w != val, EINTR) all mean: look again.
func futexWait(w *atomic.Uint32, val uint32) {
	sys.SyscallOnce(unix.SYS_FUTEX, uintptr(unsafe.Pointer(w)), futexWaitOp, uintptr(val), 0)
}

// futexWakeAll wakes every process sleeping on w.
func futexWakeAll(w *atomic.Uint32) error {
	_, err := sys.Syscall(unix.SYS_FUTEX, uintptr(unsafe.Pointer(w)), futexWakeOp, 1<<30)
	return err
}
