package sysvshm

import (
	"os"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// reserve maps n pages with no access, a range of the test's own for
// attaching at a chosen address; it is unmapped at cleanup.
func reserve(t *testing.T, pages int) uintptr {
	t.Helper()
	mem, err := unix.Mmap(-1, 0, pages*pageSize, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatalf("mmap: %s", sys.ErrnoName(err))
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	return uintptr(unsafe.Pointer(&mem[0]))
}

// shmat at a chosen address (man 2 shmop): the address must be
// page-aligned (SHMLBA is the page size here) unless SHM_RND rounds it
// down; a range already mapped is EINVAL unless SHM_REMAP replaces it, and
// SHM_REMAP without an address is EINVAL.
func TestAttachAtAChosenAddress(t *testing.T) {
	id := newSegment(t, pageSize, 0o600)
	at := reserve(t, 2)
	for _, c := range []struct {
		what  string
		addr  uintptr
		flags int
	}{
		{"over an existing mapping", at, 0},
		{"unaligned, with SHM_REMAP", at + 123, SHM_REMAP},
		{"SHM_REMAP with a NULL address", 0, SHM_REMAP},
	} {
		t.Run(c.what, func(t *testing.T) {
			_, err := Attach(id, c.addr, c.flags)
			sys.RequireErrno(t, err, unix.EINVAL, "shmat "+c.what)
		})
	}
	requireNattch(t, id, 0, "after the rejected attaches")

	got, err := Attach(id, at+123, SHM_RND|SHM_REMAP)
	if err != nil || got != at {
		t.Fatalf("shmat(%#x, SHM_RND|SHM_REMAP) = %#x, %s; want the address rounded down to %#x", at+123, got, sys.ErrnoName(err), at)
	}
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "attach %d 0", id)
	peer.Must(t, "ok", "write 0 0 fixed")
	if s := string(Bytes(at, 5)); s != "fixed" {
		t.Fatalf("read %q at the chosen address, want the peer's write", s)
	}
	detach(t, at)

	got, err = Attach(id, at+uintptr(pageSize), SHM_REMAP|SHM_RDONLY)
	if err != nil || got != at+uintptr(pageSize) {
		t.Fatalf("shmat(%#x, SHM_REMAP) = %#x, %s; want that address", at+uintptr(pageSize), got, sys.ErrnoName(err))
	}
	detach(t, got)
}

// shmdt takes exactly an address that shmat returned: an address in no
// segment, one inside a segment but not its start, an unaligned one, or a
// segment already detached are all EINVAL.
func TestShmdtOfAnAddressNotAttachedFailsEINVAL(t *testing.T) {
	id := newSegment(t, 2*pageSize, 0o600)
	addr, _ := mustAttach(t, id, 0, 2*pageSize)
	other := reserve(t, 1)
	for _, c := range []struct {
		what string
		addr uintptr
	}{
		{"a private mapping", other},
		{"the second page of a segment", addr + uintptr(pageSize)},
		{"an unaligned address in a segment", addr + 8},
	} {
		t.Run(c.what, func(t *testing.T) {
			sys.RequireErrno(t, Detach(c.addr), unix.EINVAL, "shmdt of "+c.what)
		})
	}
	requireNattch(t, id, 1, "after the rejected detaches")
	detach(t, addr)
	sys.RequireErrno(t, Detach(addr), unix.EINVAL, "a second shmdt of the same address")
}

// IPC_STAT records who and when: shm_cpid is the creator, shm_lpid the
// process of the last attach or detach, shm_atime and shm_dtime the times
// of those (0 until the first), shm_ctime the creation, which attaching
// and detaching leave alone.
func TestIPCStatRecordsCreatorLastProcessAndTimes(t *testing.T) {
	peer := spawnShm(t, proc.PeerSpec{})
	before := time.Now().Unix()
	line := peer.Ask(t, "get 0 %d %d", pageSize, unix.IPC_CREAT|0o600)
	id := atoiOrFail(t, line)
	t.Cleanup(func() { removeLater(t, id) })
	ds := stat(t, id)
	if int(ds.Cpid) != peer.Pid || ds.Lpid != 0 || ds.Atime != 0 || ds.Dtime != 0 {
		t.Fatalf("new segment made by the peer (pid %d): cpid %d, lpid %d, atime %d, dtime %d; want cpid the peer, lpid, atime and dtime 0",
			peer.Pid, ds.Cpid, ds.Lpid, ds.Atime, ds.Dtime)
	}
	sysv.RequireStamp(t, "shm_ctime of a new segment", ds.Ctime, before)
	created := ds.Ctime

	// The times are whole seconds of a lagging clock: once it is past
	// shm_ctime, an attach or detach that set shm_ctime would change it,
	// and shm_atime cannot pass for a copy of the creation time.
	sysv.WaitPastStamp(t, created)
	before = time.Now().Unix()
	addr, _ := mustAttach(t, id, 0, pageSize)
	ds = stat(t, id)
	if int(ds.Lpid) != os.Getpid() || ds.Dtime != 0 || ds.Ctime != created {
		t.Fatalf("after the test's attach: lpid %d, dtime %d, ctime %d; want the test's pid %d, dtime 0, ctime still %d",
			ds.Lpid, ds.Dtime, ds.Ctime, os.Getpid(), created)
	}
	sysv.RequireStamp(t, "shm_atime after the test's attach", ds.Atime, before)

	before = time.Now().Unix()
	peer.Must(t, "ok", "attach %d 0", id)
	peer.Must(t, "ok", "detach 0")
	ds = stat(t, id)
	if int(ds.Lpid) != peer.Pid || int(ds.Cpid) != peer.Pid || ds.Ctime != created {
		t.Fatalf("after the peer's attach and detach: lpid %d, cpid %d, ctime %d; want the peer %d, cpid unchanged, ctime still %d",
			ds.Lpid, ds.Cpid, ds.Ctime, peer.Pid, created)
	}
	sysv.RequireStamp(t, "shm_dtime after the peer's detach", ds.Dtime, before)
	detach(t, addr)
}
