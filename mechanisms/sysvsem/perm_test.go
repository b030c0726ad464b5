package sysvsem

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// A process of another user gets what the set's mode grants "others"
// (root bypasses the checks, so the peer runs as uid 65534): reading
// (GETVAL, IPC_STAT, waiting for zero) needs r, altering (semop +/-,
// SETVAL) needs w; 0600 grants neither, 0444 reading only, 0222 altering
// only, 0666 both.
func TestOtherUserGetsWhatTheModeGrants(t *testing.T) {
	cred := sys.OtherUID(t)
	other := spawnSem(t, proc.PeerSpec{Credential: cred})
	for _, c := range []struct {
		what                           string
		mode                           int
		getval, stat, zero, post, setv string
	}{
		{"0600 grants nothing", 0o600, "EACCES", "EACCES", "EACCES", "EACCES", "EACCES"},
		{"0444 grants reading", 0o444, "0", "0444", "ok", "EACCES", "EACCES"},
		{"0222 grants altering", 0o222, "EACCES", "EACCES", "EACCES", "ok", "ok"},
		{"0666 grants both", 0o666, "0", "0666", "ok", "ok", "ok"},
	} {
		t.Run(c.what, func(t *testing.T) {
			id := newSet(t, 1, c.mode)
			check := func(got, want, what string) {
				t.Helper()
				if got != want {
					t.Errorf("uid %d, set mode %#o: %s: %s, want %s", sys.OtherUser, c.mode, what, got, want)
				}
			}
			check(other.Ask(t, "get %d 0", id), c.getval, "GETVAL")
			check(other.Ask(t, "stat %d", id), c.stat, "IPC_STAT")
			check(other.Ask(t, "op %d %s", id, spec(zero(0))), c.zero, "wait for zero on value 0")
			check(other.Ask(t, "op %d %s", id, spec(v(0), p(0))), c.post, "semop +1 -1")
			check(other.Ask(t, "set %d 0 0", id), c.setv, "SETVAL")
		})
	}
}

// semget by key checks only the access the caller asks for in its flags:
// another user looking up a 0600 set with flags 0 gets its id, but asking
// for read or write (0400, 0200) is EACCES; on a 0644 set, asking for read
// is granted and for write is not.
func TestSemgetByKeyChecksTheRequestedPermissions(t *testing.T) {
	cred := sys.OtherUID(t)
	other := spawnSem(t, proc.PeerSpec{Credential: cred})
	for _, c := range []struct {
		what        string
		mode, flags int
		ok          bool
	}{
		{"0600 asking nothing", 0o600, 0, true},
		{"0600 asking read", 0o600, 0o400, false},
		{"0600 asking write", 0o600, 0o200, false},
		{"0644 asking read", 0o644, 0o444, true},
		{"0644 asking write", 0o644, 0o600, false},
	} {
		t.Run(c.what, func(t *testing.T) {
			key, _ := sysv.NewKey(t, 's')
			id := newKeyedSet(t, key, 1, c.mode)
			want := "EACCES"
			if c.ok {
				want = strconv.Itoa(id)
			}
			if got := other.Ask(t, "semget %d 0 %d", key, c.flags); got != want {
				t.Errorf("uid %d: semget of a %#o set with flags %#o: %s, want %s", sys.OtherUser, c.mode, c.flags, got, want)
			}
		})
	}
}

// IPC_SET and IPC_RMID belong to the owner and the creator, whatever the
// mode: another user gets EPERM even on a 0666 set, until IPC_SET makes it
// the owner, after which it may change the mode and remove the set.
func TestOnlyOwnerOrCreatorMaySetOrRemove(t *testing.T) {
	cred := sys.OtherUID(t)
	other := spawnSem(t, proc.PeerSpec{Credential: cred})
	id := newSet(t, 1, 0o666)
	other.Must(t, "EPERM", "chmod %d %d", id, 0o600)
	other.Must(t, "EPERM", "rmid %d", id)

	ds := stat(t, id)
	ds.Perm.Uid = sys.OtherUser
	if err := Set(id, &ds); err != nil {
		t.Fatalf("IPC_SET uid %d: %s", sys.OtherUser, sys.ErrnoName(err))
	}
	other.Must(t, "ok", "chmod %d %d", id, 0o600)
	other.Must(t, "0", "get %d 0", id) // the owner's bits now apply to it
	other.Must(t, "ok", "rmid %d", id)
	_, err := GetVal(id, 0)
	sys.RequireErrno(t, err, unix.EINVAL, "GETVAL after the new owner removed the set")
}
