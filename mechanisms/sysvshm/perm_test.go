package sysvshm

import (
	"strconv"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// A process of another user gets what the segment's mode grants "others"
// (root bypasses the checks, so the peer runs as uid 65534): a read-only
// attach and IPC_STAT need r, a read-write attach needs r and w (there is
// no write-only attach); 0666 lets it write what the owner reads.
func TestOtherUserGetsWhatTheModeGrants(t *testing.T) {
	cred := sys.OtherUID(t)
	for _, c := range []struct {
		what           string
		mode           int
		ro, rw, status string
	}{
		{"0600 grants nothing", 0o600, "EACCES", "EACCES", "EACCES"},
		{"0444 grants reading", 0o444, "ok", "EACCES", "nattch=1 mode=0444"},
		{"0222 grants nothing", 0o222, "EACCES", "EACCES", "EACCES"},
		{"0666 grants both", 0o666, "ok", "ok", "nattch=2 mode=0666"},
	} {
		t.Run(c.what, func(t *testing.T) {
			other := spawnShm(t, proc.PeerSpec{Credential: cred})
			id := newSegment(t, pageSize, c.mode)
			check := func(got, want, what string) {
				t.Helper()
				if got != want {
					t.Errorf("uid %d, segment mode %#o: %s: %s, want %s", sys.OtherUser, c.mode, what, got, want)
				}
			}
			check(other.Ask(t, "attach %d %d", id, SHM_RDONLY), c.ro, "read-only attach")
			check(other.Ask(t, "attach %d 0", id), c.rw, "read-write attach")
			check(other.Ask(t, "stat %d", id), c.status, "IPC_STAT")
		})
	}
	t.Run("0666 shares writes", func(t *testing.T) {
		other := spawnShm(t, proc.PeerSpec{Credential: cred})
		id := newSegment(t, pageSize, 0o666)
		_, mem := mustAttach(t, id, 0, pageSize)
		other.Must(t, "ok", "attach %d 0", id)
		other.Must(t, "ok", "write 0 0 from-nobody")
		if got := string(mem[:11]); got != "from-nobody" {
			t.Fatalf("the owner read %q, want the other user's write", got)
		}
	})
}

// shmget by key checks only the access asked for in its flags: another
// user gets the id of a 0600 segment with flags 0, but EACCES asking for
// read (0400).
func TestShmgetByKeyChecksTheRequestedPermissions(t *testing.T) {
	cred := sys.OtherUID(t)
	other := spawnShm(t, proc.PeerSpec{Credential: cred})
	key, _ := sysv.NewKey(t, 'm')
	id := newKeyedSegment(t, key, pageSize, 0o600)
	other.Must(t, strconv.Itoa(id), "get %d 0 0", key)
	other.Must(t, "EACCES", "get %d 0 %d", key, 0o400)
}

// IPC_SET and IPC_RMID belong to the owner and the creator whatever the
// mode: another user gets EPERM on a 0666 segment until IPC_SET makes it
// the owner.
func TestOnlyOwnerOrCreatorMaySetOrRemove(t *testing.T) {
	cred := sys.OtherUID(t)
	other := spawnShm(t, proc.PeerSpec{Credential: cred})
	id := newSegment(t, pageSize, 0o666)
	other.Must(t, "EPERM", "chmod %d %d", id, 0o600)
	other.Must(t, "EPERM", "rmid %d", id)
	ds := stat(t, id)
	ds.Perm.Uid = sys.OtherUser
	if err := Set(id, &ds); err != nil {
		t.Fatalf("IPC_SET uid %d: %s", sys.OtherUser, sys.ErrnoName(err))
	}
	other.Must(t, "ok", "chmod %d %d", id, 0o600)
	other.Must(t, "nattch=0 mode=0600", "stat %d", id)
	other.Must(t, "ok", "rmid %d", id)
}
