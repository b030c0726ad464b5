package mmap

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The si_code values of a memory fault (asm-generic/siginfo.h), which
// x/sys/unix lacks.
const (
	segvMapErr = 1 // SEGV_MAPERR: no mapping at the address
	busAdrErr  = 2 // BUS_ADRERR: a mapped address with nothing behind it
)

// The "faultwatch" peer reads what the kernel tells a faulting thread. The
// Go runtime of the faulting process keeps siginfo to itself, so this peer
// attaches to that process's thread with PTRACE_SEIZE (args: the thread
// id), answers "seized" or the errno's name, and waits for the thread's
// stops. Other signals (the runtime's preemption) go on to the thread; at
// the first SIGBUS or SIGSEGV it tells "SIGNAME code N addr 0x..." from
// PTRACE_GETSIGINFO and lets the signal be delivered. If the thread ends
// first it tells "ended". It is not the faulting process's parent, so its
// waits do not take the exit status the test reads.
func init() { proc.Register("faultwatch", faultWatchRole) }

func faultWatchRole(args []string) int {
	runtime.LockOSThread() // ptrace requests come from the attaching thread
	if len(args) != 1 {
		proc.Fatalf("faultwatch: want a thread id, got %q", args)
	}
	tid, err := strconv.Atoi(args[0])
	proc.Check(err, "faultwatch: thread id")
	if err := unix.PtraceSeize(tid); err != nil {
		proc.Tell(proc.Answer(err))
		return 0
	}
	proc.Tell("seized")
	for {
		var ws unix.WaitStatus
		_, err := sys.RetryValue(func() (int, error) { return unix.Wait4(tid, &ws, unix.WALL, nil) })
		proc.Check(err, "faultwatch: wait4")
		switch {
		case ws.Exited() || ws.Signaled():
			proc.Tell("ended")
			return 0
		case !ws.Stopped():
			continue
		case uint32(ws)>>16 != 0: // an event stop (PTRACE_EVENT_*), not a signal's
			proc.Check(unix.PtraceCont(tid, 0), "faultwatch: PTRACE_CONT")
			continue
		}
		sig := ws.StopSignal()
		if sig != unix.SIGBUS && sig != unix.SIGSEGV {
			proc.Check(unix.PtraceCont(tid, int(sig)), "faultwatch: PTRACE_CONT")
			continue
		}
		var info [128]byte // siginfo_t
		_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(tid), 0, uintptr(unsafe.Pointer(&info[0])), 0, 0)
		if errno != 0 {
			proc.Fatalf("faultwatch: PTRACE_GETSIGINFO: %s", sys.ErrnoName(errno))
		}
		// si_signo, si_errno, si_code are ints; si_addr follows at the
		// next pointer-aligned offset.
		signo := syscall.Signal(int32(binary.NativeEndian.Uint32(info[0:])))
		code := int32(binary.NativeEndian.Uint32(info[8:]))
		var addr uint64
		if unsafe.Sizeof(uintptr(0)) == 8 {
			addr = binary.NativeEndian.Uint64(info[16:])
		} else {
			addr = uint64(binary.NativeEndian.Uint32(info[12:]))
		}
		proc.Tell(fmt.Sprintf("%s code %d addr %#x", unix.SignalName(signo), code, addr))
		proc.Check(unix.PtraceCont(tid, int(sig)), "faultwatch: PTRACE_CONT")
		return 0
	}
}

// requireFault makes the mapper peer read the byte at off in its mapping m,
// and fails unless the read kills it with sig (its wait status) and the
// kernel's siginfo says code and the address read (faultwatch). Where
// ptrace is not permitted it checks the wait status alone, and skips.
func requireFault(t *testing.T, peer mapperPeer, m, off int, sig syscall.Signal, code int) {
	t.Helper()
	base, err := strconv.ParseUint(peer.Ask(t, "addr %d", m), 0, 64)
	if err != nil {
		t.Fatalf("the peer's mapping address: %v", err)
	}
	switch sig {
	case unix.SIGBUS:
		peer.Must(t, "ok", "bus-default")
	case unix.SIGSEGV:
		peer.Must(t, "ok", "segv-default")
	}
	peer.Send(t, "lock")
	tid := peer.Thread(t)
	watch := proc.Spawn(t, "faultwatch", proc.PeerSpec{Args: []string{strconv.Itoa(tid)}})
	seized := watch.Next(t)
	peer.Send(t, fmt.Sprintf("peek %d %d", m, off))
	if seized != "seized" {
		peer.RequireSignal(t, sig)
		t.Skipf("killed by %s as expected, but PTRACE_SEIZE of the peer's thread is %s: its si_code cannot be read", unix.SignalName(sig), seized)
	}
	want := fmt.Sprintf("%s code %d addr %#x", unix.SignalName(sig), code, base+uint64(off))
	if got := watch.Next(t); got != want {
		t.Fatalf("reading offset %d of its mapping, the peer got %q, want %q", off, got, want)
	}
	peer.RequireSignal(t, sig)
	watch.RequireExit(t, 0)
}

// mmap of length 0 is EINVAL (since Linux 2.6.12), shared or private, even
// on a file with data to map.
func TestMapOfLengthZeroIsEINVAL(t *testing.T) {
	fd := openFile(t, newFile(t, "data", pageSize), unix.O_RDWR)
	for _, flags := range []struct {
		name  string
		value int
	}{{"MAP_SHARED", unix.MAP_SHARED}, {"MAP_PRIVATE", unix.MAP_PRIVATE}} {
		t.Run(flags.name, func(t *testing.T) {
			addr, err := Map(0, 0, rw, flags.value, fd, 0)
			if err == nil {
				Unmap(addr, pageSize)
			}
			sys.RequireErrno(t, err, unix.EINVAL, "mmap of length 0")
		})
	}
}

// A file of size zero can be mapped with a length above zero (mmap checks
// no size), but there is no page of the file behind the mapping: touching
// it raises SIGBUS with BUS_ADRERR at the address touched (seed 004),
// where a kernel that handed out a zero page would let the read pass.
func TestZeroLengthFileMapsButTouchingItRaisesSIGBUS(t *testing.T) {
	path := newFile(t, "", 0)
	mustMap(t, openFile(t, path, unix.O_RDWR), pageSize, rw, unix.MAP_SHARED, 0) // the test process maps it too
	peer := spawnMapper(t)
	peer.Must(t, "ok", "open %s %d", path, unix.O_RDWR)
	peer.Must(t, "ok", "map 0 %d %d %d 0", pageSize, rw, unix.MAP_SHARED)
	requireFault(t, peer, 0, 0, unix.SIGBUS, busAdrErr)
}

// A mapping may run past the end of the file. The last page the file
// reaches into maps whole: past end of file it reads zeros (the kernel
// clears the tail, here bytes written before a truncation), and a write
// there does not grow the file. A page wholly beyond end of file has
// nothing behind it: touching it raises SIGBUS with BUS_ADRERR.
func TestPageBeyondEndOfFileRaisesSIGBUSWhileTheLastPageReadsZeros(t *testing.T) {
	const size = 100
	path := newFile(t, "", pageSize)
	fd := openFile(t, path, unix.O_RDWR)
	if err := sys.WriteFull(fd, []byte(strings.Repeat("x", pageSize))); err != nil {
		t.Fatalf("write: %s", sys.ErrnoName(err))
	}
	if err := unix.Ftruncate(fd, size); err != nil {
		t.Fatalf("ftruncate to %d: %s", size, sys.ErrnoName(err))
	}
	_, mem := mustMap(t, fd, 2*pageSize, rw, unix.MAP_SHARED, 0)
	if got := string(mem[:size]); got != strings.Repeat("x", size) {
		t.Fatalf("the file's bytes read %q through the mapping", got)
	}
	for i := size; i < pageSize; i++ {
		if mem[i] != 0 {
			t.Fatalf("byte %d of the last page, past end of file at %d, reads %#x, want 0", i, size, mem[i])
		}
	}
	mem[2*size] = 'y'
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatalf("fstat: %s", sys.ErrnoName(err))
	}
	if st.Size != size {
		t.Fatalf("after a write through the mapping past end of file the file's size is %d, want %d", st.Size, size)
	}

	peer := spawnMapper(t)
	peer.Must(t, "ok", "open %s %d", path, unix.O_RDWR)
	peer.Must(t, "ok", "map 0 %d %d %d 0", 2*pageSize, rw, unix.MAP_SHARED)
	peer.Must(t, "xxxx", "read 0 %d 4", size-4)
	requireFault(t, peer, 0, pageSize, unix.SIGBUS, busAdrErr)
}

// Truncation reaches into other processes' mappings: once the test shrinks
// a file, a peer that had read its second page through a shared mapping
// gets SIGBUS with BUS_ADRERR on touching that page again (its page table
// entry was taken away, not left pointing at the old page), while the page
// still inside the file reads as before.
func TestTouchAfterAnotherProcessTruncatesTheFileRaisesSIGBUS(t *testing.T) {
	path := newFile(t, "first", 2*pageSize)
	fd := openFile(t, path, unix.O_RDWR)
	if _, err := unix.Pwrite(fd, []byte("second"), int64(pageSize)); err != nil {
		t.Fatalf("pwrite: %s", sys.ErrnoName(err))
	}
	peer := spawnMapper(t)
	peer.Must(t, "ok", "open %s %d", path, unix.O_RDWR)
	peer.Must(t, "ok", "map 0 %d %d %d 0", 2*pageSize, rw, unix.MAP_SHARED)
	peer.Must(t, "second", "read 0 %d 6", pageSize)

	if err := unix.Ftruncate(fd, int64(pageSize)); err != nil {
		t.Fatalf("ftruncate to one page: %s", sys.ErrnoName(err))
	}
	peer.Must(t, "first", "read 0 0 5")
	requireFault(t, peer, 0, pageSize, unix.SIGBUS, busAdrErr)
}
