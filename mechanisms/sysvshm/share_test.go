package sysvshm

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// Two processes attached to one segment share its bytes: what one writes
// the other reads, with no call in between; a new segment reads as zeros.
func TestWriteByOneProcessIsSeenByAnother(t *testing.T) {
	id := newSegment(t, pageSize, 0o600)
	_, mem := mustAttach(t, id, 0, pageSize)
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "attach %d 0", id)
	peer.Must(t, strings.Repeat(".", 64), "read 0 0 64")

	const fromPeer = "written-by-the-peer"
	peer.Must(t, "ok", "write 0 100 "+fromPeer)
	if got := string(mem[100 : 100+len(fromPeer)]); got != fromPeer {
		t.Fatalf("test read %q at offset 100, want the peer's write", got)
	}
	copy(mem[2000:], "written-by-the-test")
	peer.Must(t, "written-by-the-test", "read 0 2000 19")
}

// shm_nattch counts attaches, each attach of one process included, and
// drops with each shmdt and with the exit of a process that never called
// shmdt; shm_lpid names the process of the last attach or detach.
func TestNattchCountsAttachesAndDetachesIncludingExit(t *testing.T) {
	id := newSegment(t, pageSize, 0o600)
	requireNattch(t, id, 0, "new segment")
	addr, _ := mustAttach(t, id, 0, pageSize)
	requireNattch(t, id, 1, "after the test's attach")
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "attach %d 0", id)
	peer.Must(t, "ok", "attach %d %d", id, SHM_RDONLY)
	requireNattch(t, id, 3, "after two attaches by the peer")
	if ds := stat(t, id); int(ds.Lpid) != peer.Pid {
		t.Fatalf("shm_lpid = %d after the peer's attach, want %d", ds.Lpid, peer.Pid)
	}
	peer.Must(t, "ok", "detach 1")
	requireNattch(t, id, 2, "after the peer detached one")
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	requireNattch(t, id, 1, "after the peer exited attached")
	detach(t, addr)
	ds := stat(t, id)
	if ds.Nattch != 0 || int(ds.Lpid) != os.Getpid() {
		t.Fatalf("after the test's shmdt: shm_nattch %d, shm_lpid %d; want 0 and the test's pid %d", ds.Nattch, ds.Lpid, os.Getpid())
	}
}

// IPC_RMID on an attached segment only marks it (SHM_DEST in the mode, key
// reset to IPC_PRIVATE): its key no longer finds it (ENOENT), the attached
// process still reads and writes it, and it goes with the last detach,
// after which its id is invalid (EINVAL).
func TestRemovedSegmentLivesUntilTheLastDetach(t *testing.T) {
	key, _ := sysv.NewKey(t, 'm')
	id := newKeyedSegment(t, key, pageSize, 0o600)
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "attach %d 0", id)
	peer.Must(t, "ok", "write 0 0 before-removal")

	if err := Remove(id); err != nil {
		t.Fatalf("IPC_RMID: %s", sys.ErrnoName(err))
	}
	ds := stat(t, id)
	if ds.Perm.Mode&SHM_DEST == 0 || ds.Perm.Key != unix.IPC_PRIVATE || ds.Nattch != 1 {
		t.Fatalf("after IPC_RMID with the peer attached: mode %#o, key %#x, nattch %d; want SHM_DEST (%#o) set, key 0, nattch 1",
			ds.Perm.Mode, ds.Perm.Key, ds.Nattch, SHM_DEST)
	}
	_, err := Get(key, uint64(pageSize), 0o600)
	sys.RequireErrno(t, err, unix.ENOENT, "shmget by the key of a removed segment")
	peer.Must(t, "before-removal", "read 0 0 14")
	peer.Must(t, "ok", "write 0 0 after-removal!")
	peer.Must(t, "after-removal!", "read 0 0 14")

	peer.Must(t, "ok", "detach 0")
	_, err = Stat(id)
	sys.RequireErrno(t, err, unix.EINVAL, "IPC_STAT after the last detach of a removed segment")
	peer.Must(t, "EINVAL", "attach %d 0", id)
}

// Linux (not POSIX) lets a process attach by id a segment already marked
// for removal, while someone still has it attached; the new attach sees
// the same bytes and holds the segment up in turn.
func TestSegmentMarkedForRemovalCanStillBeAttachedByID(t *testing.T) {
	id := newSegment(t, pageSize, 0o600)
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "attach %d 0", id)
	peer.Must(t, "ok", "write 0 0 shared")
	if err := Remove(id); err != nil {
		t.Fatalf("IPC_RMID: %s", sys.ErrnoName(err))
	}
	addr, mem := mustAttach(t, id, 0, pageSize)
	if got := string(mem[:6]); got != "shared" {
		t.Fatalf("attach after IPC_RMID read %q, want %q", got, "shared")
	}
	requireNattch(t, id, 2, "after the late attach")
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	requireNattch(t, id, 1, "after the peer's exit")
	detach(t, addr)
	_, err := Stat(id)
	sys.RequireErrno(t, err, unix.EINVAL, "IPC_STAT after the last detach")
}

// One process may attach a segment several times, read-write and
// read-only, at different addresses: they alias the same bytes.
func TestTwoAttachesInOneProcessAliasTheSameBytes(t *testing.T) {
	id := newSegment(t, pageSize, 0o600)
	rwAddr, rw := mustAttach(t, id, 0, pageSize)
	roAddr, ro := mustAttach(t, id, SHM_RDONLY, pageSize)
	if rwAddr == roAddr {
		t.Fatalf("two attaches at one address %#x", rwAddr)
	}
	requireNattch(t, id, 2, "after two attaches")
	copy(rw[10:], "alias")
	if got := string(ro[10:15]); got != "alias" {
		t.Fatalf("read-only attach read %q, want the write through the other attach", got)
	}
}

// exec detaches every segment (man 2 shmop, NOTES): a peer attached before
// it re-executes itself is no longer attached after, and the segment
// stays (exec is a detach, not a removal).
func TestExecDetachesTheSegment(t *testing.T) {
	id := newSegment(t, pageSize, 0o600)
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "attach %d 0", id)
	peer.Must(t, "ok", "write 0 0 kept")
	requireNattch(t, id, 1, "after the peer's attach")
	peer.Send(t, "exec")
	peer.Expect(t, "exec'd")
	ds := stat(t, id)
	if ds.Nattch != 0 || int(ds.Lpid) != peer.Pid {
		t.Fatalf("after the peer's exec: shm_nattch %d, shm_lpid %d; want 0 and the peer's pid %d", ds.Nattch, ds.Lpid, peer.Pid)
	}
	peer.Must(t, "ok", "attach %d 0", id)
	peer.Must(t, "kept", "read 0 0 4")
}
