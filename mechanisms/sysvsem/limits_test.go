package sysvsem

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

func readLimits(t *testing.T) Limits {
	t.Helper()
	l, err := ReadLimits()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// semget's rules for sizes and keys (man 2 semget): nsems must be in
// [1, SEMMSL] to create; a lookup may ask for fewer semaphores than the set
// has (or 0) but not more; IPC_CREAT|IPC_EXCL on an existing key is EEXIST;
// a missing key without IPC_CREAT is ENOENT; IPC_PRIVATE always creates.
func TestSemgetSizesAndKeys(t *testing.T) {
	l := readLimits(t)
	key, _ := sysv.NewKey(t, 's')
	cases := []struct {
		what       string
		key, nsems int
		flags      int
		want       unix.Errno
	}{
		{"nsems above SEMMSL", unix.IPC_PRIVATE, l.MSL + 1, unix.IPC_CREAT | 0o600, unix.EINVAL},
		{"nsems 0 to create", key, 0, unix.IPC_CREAT | 0o600, unix.EINVAL},
		{"nsems -1", key, -1, unix.IPC_CREAT | 0o600, unix.EINVAL},
		{"lookup of a missing key", key, 1, 0, unix.ENOENT},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			_, err := Get(c.key, c.nsems, c.flags)
			sys.RequireErrno(t, err, c.want, "semget: "+c.what)
		})
	}

	id := newKeyedSet(t, key, 3, 0o600)
	for _, nsems := range []int{3, 2, 0} {
		if got, err := Get(key, nsems, 0); err != nil || got != id {
			t.Fatalf("semget(key, %d, 0) of a set of 3: id %d, %s; want %d", nsems, got, sys.ErrnoName(err), id)
		}
	}
	_, err := Get(key, 4, 0)
	sys.RequireErrno(t, err, unix.EINVAL, "semget(key, 4, 0) of a set of 3")
	_, err = Get(key, 3, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	sys.RequireErrno(t, err, unix.EEXIST, "semget(key, IPC_CREAT|IPC_EXCL) of an existing key")
	if got, err := Get(key, 3, unix.IPC_CREAT|0o600); err != nil || got != id {
		t.Fatalf("semget(key, IPC_CREAT) of an existing key: id %d, %s; want the existing %d", got, sys.ErrnoName(err), id)
	}

	a := newSet(t, 1, 0o600)
	b := newSet(t, 1, 0o600) // IPC_EXCL with IPC_PRIVATE: still a new set
	if a == b || a == id || b == id {
		t.Fatalf("IPC_PRIVATE sets %d and %d, keyed set %d: want three distinct ids", a, b, id)
	}
	if got := stat(t, a).Perm.Key; got != unix.IPC_PRIVATE {
		t.Fatalf("IPC_STAT key of an IPC_PRIVATE set: %#x, want 0", got)
	}
}

// A set of exactly SEMMSL semaphores can be made; one more cannot.
func TestSemgetAcceptsExactlySEMMSL(t *testing.T) {
	l := readLimits(t)
	id := newSet(t, l.MSL, 0o600)
	if n := stat(t, id).Nsems; n != uint64(l.MSL) {
		t.Fatalf("sem_nsems = %d, want SEMMSL %d", n, l.MSL)
	}
	if err := Op(id, v(uint16(l.MSL-1))); err != nil {
		t.Fatalf("V on the last semaphore, %d: %s", l.MSL-1, sys.ErrnoName(err))
	}
}

// semop's argument checks (man 2 semop): a semaphore number past the set
// is EFBIG, more than SEMOPM operations is E2BIG (SEMOPM itself is fine),
// no operations or a bad id is EINVAL. Nothing is performed.
func TestSemopArgumentErrors(t *testing.T) {
	l := readLimits(t)
	id := newSet(t, 2, 0o600)
	sys.RequireErrno(t, Op(id, v(0), v(2)), unix.EFBIG, "semop on semaphore 2 of a set of 2")
	requireVals(t, id, 0, 0)

	many := make([]Sembuf, l.OPM+1)
	for i := range many {
		many[i] = v(uint16(i % 2))
	}
	sys.RequireErrno(t, Op(id, many...), unix.E2BIG, "semop with SEMOPM+1 operations")
	requireVals(t, id, 0, 0)
	if err := Op(id, many[:l.OPM]...); err != nil {
		t.Fatalf("semop with SEMOPM (%d) operations: %s", l.OPM, sys.ErrnoName(err))
	}
	requireVals(t, id, uint16(l.OPM/2+l.OPM%2), uint16(l.OPM/2))

	sys.RequireErrno(t, Op(id), unix.EINVAL, "semop with no operations")
	sys.RequireErrno(t, Op(-1, v(0)), unix.EINVAL, "semop on id -1")
}

// semctl's argument checks: a semaphore number past the set is EINVAL for
// the per-semaphore commands, and so is an unknown command.
func TestSemctlArgumentErrors(t *testing.T) {
	id := newSet(t, 2, 0o600)
	for _, cmd := range []struct {
		name string
		cmd  int
	}{{"GETVAL", GETVAL}, {"GETPID", GETPID}, {"GETNCNT", GETNCNT}, {"GETZCNT", GETZCNT}, {"SETVAL", SETVAL}} {
		t.Run(cmd.name+" past the set", func(t *testing.T) {
			_, err := Ctl(id, 2, cmd.cmd, 1)
			sys.RequireErrno(t, err, unix.EINVAL, cmd.name+" of semaphore 2 in a set of 2")
			_, err = Ctl(id, -1, cmd.cmd, 1)
			sys.RequireErrno(t, err, unix.EINVAL, cmd.name+" of semaphore -1")
		})
	}
	t.Run("unknown command", func(t *testing.T) {
		_, err := Ctl(id, 0, 99, 0)
		sys.RequireErrno(t, err, unix.EINVAL, "semctl command 99")
	})
	requireVals(t, id, 0, 0)
}

// A semaphore holds 0..SEMVMX (32767): SETVAL, SETALL and semop fail with
// ERANGE for a value outside, and change nothing.
func TestValueOutsideZeroToSEMVMXFailsERANGE(t *testing.T) {
	id := newSet(t, 2, 0o600)
	sys.RequireErrno(t, SetVal(id, 0, SEMVMX+1), unix.ERANGE, "SETVAL 32768")
	sys.RequireErrno(t, SetVal(id, 0, -1), unix.ERANGE, "SETVAL -1")
	sys.RequireErrno(t, SetAll(id, []uint16{1, SEMVMX + 1}), unix.ERANGE, "SETALL {1, 32768}")
	requireVals(t, id, 0, 0)

	setVal(t, id, 0, SEMVMX)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "ERANGE", "op %d %s", id, spec(v(1), v(0)))
	requireVals(t, id, SEMVMX, 0)
}
