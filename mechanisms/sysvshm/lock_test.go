package sysvshm

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func requireLocked(t *testing.T, id int, want bool, why string) {
	t.Helper()
	if got := stat(t, id).Perm.Mode&SHM_LOCKED != 0; got != want {
		t.Fatalf("%s: SHM_LOCKED in the mode is %v, want %v", why, got, want)
	}
}

// SHM_LOCK keeps a segment in memory, shown by SHM_LOCKED in its mode, and
// SHM_UNLOCK undoes it. A process with CAP_IPC_LOCK (root here has it) may
// lock any segment.
func TestShmLockSetsShmLockedWithCapIPCLock(t *testing.T) {
	sys.RequireCap(t, unix.CAP_IPC_LOCK, "CAP_IPC_LOCK", "locks a segment it does not own")
	id := newSegment(t, pageSize, 0o666)
	ds := stat(t, id)
	ds.Perm.Uid = sys.OtherUser // not ours: the capability alone allows it
	if err := Set(id, &ds); err != nil {
		t.Fatalf("IPC_SET: %s", sys.ErrnoName(err))
	}
	requireLocked(t, id, false, "new segment")
	if err := Ctl(id, SHM_LOCK); err != nil {
		t.Fatalf("SHM_LOCK: %s", sys.ErrnoName(err))
	}
	requireLocked(t, id, true, "after SHM_LOCK")
	if err := Ctl(id, SHM_UNLOCK); err != nil {
		t.Fatalf("SHM_UNLOCK: %s", sys.ErrnoName(err))
	}
	requireLocked(t, id, false, "after SHM_UNLOCK")
}

// Without CAP_IPC_LOCK (a peer of another uid), SHM_LOCK needs ownership
// and room in RLIMIT_MEMLOCK (man 2 shmctl): a non-owner gets EPERM; the
// owner gets EPERM with a limit of 0, ENOMEM for a segment larger than the
// limit, and the lock within it.
func TestShmLockWithoutCapIPCLockNeedsOwnershipAndMemlock(t *testing.T) {
	cred := sys.OtherUID(t)
	other := spawnShm(t, proc.PeerSpec{Credential: cred})
	small := newSegment(t, pageSize, 0o666)
	large := newSegment(t, 3*pageSize, 0o666)
	other.Must(t, "EPERM", "lock %d", small)
	for _, id := range []int{small, large} {
		ds := stat(t, id)
		ds.Perm.Uid = sys.OtherUser
		if err := Set(id, &ds); err != nil {
			t.Fatalf("IPC_SET: %s", sys.ErrnoName(err))
		}
	}
	other.Must(t, "ok", "memlock 0")
	other.Must(t, "EPERM", "lock %d", small)
	other.Must(t, "ok", "memlock %d", 2*pageSize)
	other.Must(t, "ENOMEM", "lock %d", large)
	requireLocked(t, large, false, "after the refused SHM_LOCK")
	other.Must(t, "ok", "lock %d", small)
	requireLocked(t, small, true, "after the owner's SHM_LOCK within its limit")
	other.Must(t, "ok", "unlock %d", small)
	requireLocked(t, small, false, "after SHM_UNLOCK")
}
