package sysvshm

import (
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func mprotect(addr uintptr, pages, prot int) error {
	return unix.Mprotect(Bytes(addr, pages*pageSize), prot)
}

// An attach is an ordinary shared mapping to mprotect: lowered to
// PROT_READ it refuses writes (the writer dies of SIGSEGV and the bytes
// stay), and raised back to PROT_READ|PROT_WRITE it takes them again, seen
// by the other attached process.
func TestMprotectOfAnAttachedSegment(t *testing.T) {
	t.Run("down to read-only refuses writes", func(t *testing.T) {
		id := newSegment(t, pageSize, 0o600)
		_, mem := mustAttach(t, id, 0, pageSize)
		copy(mem, "original")
		peer := spawnShm(t, proc.PeerSpec{})
		peer.Must(t, "ok", "attach %d 0", id)
		peer.Must(t, "ok", "mprotect 0 1 %d", unix.PROT_READ)
		peer.Must(t, "original", "read 0 0 8")
		peer.Must(t, "ok", "segv-default")
		peer.Send(t, "scribble 0 0 scribble") // a peer that survives the write exits 0
		peer.RequireSignal(t, syscall.SIGSEGV)
		if got := string(mem[:8]); got != "original" {
			t.Fatalf("after the refused write the segment holds %q, want %q", got, "original")
		}
	})
	t.Run("and back takes writes", func(t *testing.T) {
		id := newSegment(t, pageSize, 0o600)
		_, mem := mustAttach(t, id, 0, pageSize)
		peer := spawnShm(t, proc.PeerSpec{})
		peer.Must(t, "ok", "attach %d 0", id)
		peer.Must(t, "ok", "mprotect 0 1 %d", unix.PROT_READ)
		peer.Must(t, "ok", "mprotect 0 1 %d", unix.PROT_READ|unix.PROT_WRITE)
		peer.Must(t, "ok", "segv-default")
		peer.Must(t, "ok", "write 0 0 writable-again")
		if got := string(mem[:14]); got != "writable-again" {
			t.Fatalf("the test read %q, want the peer's write after mprotect back to read-write", got)
		}
	})
}

// An attach made with SHM_RDONLY holds only read access to the segment,
// like a file opened O_RDONLY: mprotect cannot add PROT_WRITE (EACCES), and
// the mapping stays read-only.
func TestMprotectWriteOnAReadOnlyAttachFailsEACCES(t *testing.T) {
	id := newSegment(t, pageSize, 0o600)
	addr, _ := mustAttach(t, id, SHM_RDONLY, pageSize)
	sys.RequireErrno(t, mprotect(addr, 1, unix.PROT_READ|unix.PROT_WRITE), unix.EACCES, "mprotect(PROT_WRITE) of a SHM_RDONLY attach")
	if _, perms := mappingAt(t, addr); perms != "r--s" {
		t.Fatalf("the read-only attach is %s after the refused mprotect, want r--s", perms)
	}
}

// shm_nattch counts the kernel's mappings of the segment, not the shmat
// calls: mprotect of a whole attach leaves it, mprotect of part of one
// splits the mapping in pieces, each counted (shm_open runs for each
// new piece), and shmdt of the attach's address takes every piece.
func TestNattchAfterMprotect(t *testing.T) {
	id := newSegment(t, 3*pageSize, 0o600)
	addr, _ := mustAttach(t, id, 0, 3*pageSize)
	if err := mprotect(addr, 3, unix.PROT_READ); err != nil {
		t.Fatalf("mprotect of the whole attach: %s", sys.ErrnoName(err))
	}
	requireNattch(t, id, 1, "after mprotect of the whole attach")
	if err := mprotect(addr, 1, unix.PROT_READ|unix.PROT_WRITE); err != nil {
		t.Fatalf("mprotect of the first page: %s", sys.ErrnoName(err))
	}
	requireNattch(t, id, 2, "after mprotect of the first page split the mapping in two")
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "nattch=2 mode=0600", "stat %d", id)
	detach(t, addr)
	requireNattch(t, id, 0, "after shmdt of the attach's address")
}

// munmap of part of an attach unmaps that part only (a hole; the rest is
// still attached and counted), and shmdt of the attach's address then
// detaches what is left, the pieces past the hole too.
func TestPartialMunmapThenShmdt(t *testing.T) {
	id := newSegment(t, 3*pageSize, 0o600)
	addr, mem := mustAttach(t, id, 0, 3*pageSize)
	// unix.Munmap takes only what unix.Mmap returned: a raw munmap.
	if _, err := sys.Syscall(unix.SYS_MUNMAP, addr+uintptr(pageSize), uintptr(pageSize)); err != nil {
		t.Fatalf("munmap of the middle page: %s", sys.ErrnoName(err))
	}
	requireNattch(t, id, 2, "after munmap of the middle page left two pieces")
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "attach %d 0", id)
	peer.Must(t, "ok", "write 0 0 first-page")
	peer.Must(t, "ok", "write 0 %d third-page", 2*pageSize)
	if a, c := string(mem[:10]), string(mem[2*pageSize:2*pageSize+10]); a != "first-page" || c != "third-page" {
		t.Fatalf("the pieces left read %q and %q, want the peer's writes", a, c)
	}
	detach(t, addr)
	requireNattch(t, id, 1, "after shmdt of the attach's address (the peer's attach left)")
	if err := unix.Mprotect(mem[2*pageSize:], unix.PROT_READ); err != unix.ENOMEM {
		t.Fatalf("mprotect of the third page after shmdt: %s, want ENOMEM (nothing mapped there)", sys.ErrnoName(err))
	}
}

// Touching the address of a detached segment is touching unmapped memory:
// the process dies of SIGSEGV (man 2 shmop), and the segment, which the
// write never reached, is unchanged.
func TestTouchAfterShmdtKillsWithSIGSEGV(t *testing.T) {
	id := newSegment(t, pageSize, 0o600)
	_, mem := mustAttach(t, id, 0, pageSize)
	copy(mem, "original")
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "attach %d 0", id)
	peer.Must(t, "ok", "segv-default")
	peer.Send(t, "detach-scribble 0 0 scribble") // a peer that survives the write exits 0
	peer.RequireSignal(t, syscall.SIGSEGV)
	if got := string(mem[:8]); got != "original" {
		t.Fatalf("after the write past shmdt the segment holds %q, want %q", got, "original")
	}
	requireNattch(t, id, 1, "after the peer detached and died")
}

// IPC_RMID of a segment already marked for removal succeeds again and
// changes nothing: still attached, still marked, gone at the last detach.
func TestSecondIPCRMIDOfAMarkedSegment(t *testing.T) {
	id := newSegment(t, pageSize, 0o600)
	addr, _ := mustAttach(t, id, 0, pageSize)
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "rmid %d", id)
	peer.Must(t, "nattch=1 mode=01600", "stat %d", id)
	if err := Remove(id); err != nil {
		t.Fatalf("a second IPC_RMID of the marked segment: %s, want success", sys.ErrnoName(err))
	}
	peer.Must(t, "nattch=1 mode=01600", "stat %d", id)
	detach(t, addr)
	peer.Must(t, "EINVAL", "stat %d", id)
	peer.Must(t, "EINVAL", "rmid %d", id)
}
