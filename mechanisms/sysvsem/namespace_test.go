package sysvsem

import (
	"fmt"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// Semaphore sets belong to an IPC namespace (man 7 ipc_namespaces): a peer
// that sees the test's set by key and by id stops seeing it once it moves
// to a new namespace (ENOENT by key, EINVAL by id), and may make a set of
// its own under the same key there. A kernel that kept one table for all
// namespaces would answer the id both times.
func TestSetIsInvisibleFromAnotherIPCNamespace(t *testing.T) {
	key, _ := sysv.NewKey(t, 'n')
	id := newKeyedSet(t, key, 1, 0o666)
	setVal(t, id, 0, 3)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, strconv.Itoa(id), "semget %d 0 0", key)
	peer.Must(t, "3", "get %d 0", id)
	peer.Must(t, "ok", "unshare")
	peer.Must(t, "ENOENT", "semget %d 0 0", key)
	peer.Must(t, "EINVAL", "get %d 0", id)
	peer.Must(t, "EINVAL", "op %d %s", id, spec(nowait(p(0))))
	if line := peer.Ask(t, "semget %d 1 %d", key, unix.IPC_CREAT|unix.IPC_EXCL|0o600); line == "EEXIST" {
		t.Fatalf("semget(IPC_CREAT|IPC_EXCL) of the test's key in a new namespace: EEXIST, want a set of its own")
	} else if _, err := strconv.Atoi(line); err != nil {
		t.Fatalf("semget(IPC_CREAT|IPC_EXCL) of the test's key in a new namespace: %s", line)
	}
	requireVal(t, id, 0, 3, "the test's set after the peer's namespace made its own")
}

// /proc/sys/kernel/sem_next_id (checkpoint/restore's knob, per namespace)
// makes the next set's identifier exactly the value written, once
// (sysv.RequireNextID). The index chosen is far above any a fresh
// namespace hands out, so SEM_INFO, which returns the highest index in
// use, must return it, and SEM_STAT of that index must find the set.
func TestSemNextIDChoosesTheNextIdentifier(t *testing.T) {
	const want = 1234 // sequence 0: the id is the index whatever IPCMNI is
	sysv.RequireNextID(t, "sem_next_id", want, "set", func() int { return newSet(t, 1, 0o600) })
	highest, _, err := Info(SEM_INFO)
	if err != nil || highest != want {
		t.Fatalf("SEM_INFO returned %d, %s; want the highest index in use, %d", highest, sys.ErrnoName(err), want)
	}
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, strconv.Itoa(want), "statidx %d %d", want, SEM_STAT)
	peer.Must(t, "EINVAL", "statidx %d %d", want+1, SEM_STAT)
}

// SEM_STAT checks read permission like IPC_STAT; SEM_STAT_ANY (Linux 4.17)
// does not: another user gets EACCES from the one and the set's id from
// the other, for a 0600 set it may not read.
func TestSemStatAnySkipsThePermissionCheck(t *testing.T) {
	sys.RequireKernel(t, "4.17", "SEM_STAT_ANY")
	cred := sys.OtherUID(t)
	id := newSet(t, 1, 0o600)
	highest, _, err := Info(SEM_INFO)
	if err != nil {
		t.Fatalf("SEM_INFO: %s", sys.ErrnoName(err))
	}
	index := sysv.IndexOf(t, id, highest, func(i int) (int, error) { got, _, err := StatIndex(i, SEM_STAT); return got, err })
	other := spawnSem(t, proc.PeerSpec{Credential: cred})
	other.Must(t, "EACCES", "statidx %d %d", index, SEM_STAT)
	other.Must(t, strconv.Itoa(id), "statidx %d %d", index, SEM_STAT_ANY)
	other.Must(t, "EACCES", "stat %d", id)
}

// semmni, the fourth field of /proc/sys/kernel/sem, bounds the sets of the
// namespace: with it set to the sets in use plus one, one more set can be
// made and the next semget fails with ENOSPC (man 2 semget). The test
// lowers it in the package's own IPC namespace only.
func TestSemmniBoundsSetsENOSPC(t *testing.T) {
	l, err := ReadLimits()
	if err != nil {
		t.Fatal(err)
	}
	_, usage, err := Info(SEM_INFO)
	if err != nil {
		t.Fatalf("SEM_INFO: %s", sys.ErrnoName(err))
	}
	sysv.SetKnob(t, "sem", fmt.Sprintf("%d %d %d %d", l.MSL, l.MNS, l.OPM, usage.Usz+1))
	newSet(t, 1, 0o600)
	id, err := Get(unix.IPC_PRIVATE, 1, unix.IPC_CREAT|0o600)
	if err == nil {
		Remove(id)
	}
	sys.RequireErrno(t, err, unix.ENOSPC, "semget(IPC_PRIVATE) with semmni sets in use")
}
