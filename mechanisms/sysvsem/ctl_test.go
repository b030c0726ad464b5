package sysvsem

import (
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// A new set's semaphores start at 0 on Linux (POSIX leaves them
// unspecified), and GETVAL, GETALL and IPC_STAT see what another process
// set with SETVAL and SETALL.
func TestValuesSetByAPeerAreSeenByGetvalAndGetall(t *testing.T) {
	id := newSet(t, 3, 0o600)
	requireVals(t, id, 0, 0, 0)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "ok", "set %d 1 7", id)
	requireVals(t, id, 0, 7, 0)
	if got := val(t, id, 1); got != 7 {
		t.Fatalf("GETVAL = %d, want 7", got)
	}
	setAll(t, id, 3, 2, 1)
	peer.Must(t, "[3 2 1]", "getall %d 3", id)
	peer.Must(t, "2", "get %d 1", id)
	if n := stat(t, id).Nsems; n != 3 {
		t.Fatalf("sem_nsems = %d, want 3", n)
	}
}

// GETPID names the last process that changed a semaphore: a semop, SETVAL
// and SETALL (since Linux 4.6) each count, per semaphore; a failed call
// does not.
func TestGetpidNamesTheLastProcessToOperate(t *testing.T) {
	id := newSet(t, 2, 0o600)
	first := spawnSem(t, proc.PeerSpec{})
	second := spawnSem(t, proc.PeerSpec{})
	requirePid := func(num, want int, who string) {
		t.Helper()
		if got := pid(t, id, num); got != want {
			t.Fatalf("GETPID of semaphore %d = %d, want %d (%s)", num, got, want, who)
		}
	}
	requirePid(0, 0, "no operation yet")
	first.Must(t, "ok", "op %d %s", id, spec(v(0), v(1)))
	requirePid(0, first.Pid, "first peer's semop")
	second.Must(t, "ok", "op %d %s", id, spec(p(0)))
	requirePid(0, second.Pid, "second peer's semop")
	requirePid(1, first.Pid, "semaphore 1 untouched by the second peer")
	first.Must(t, "EAGAIN", "op %d %s", id, spec(nowait(p(0))))
	requirePid(0, second.Pid, "the first peer's failed semop")
	first.Must(t, "ok", "set %d 1 4", id)
	requirePid(1, first.Pid, "first peer's SETVAL")
	requirePid(0, second.Pid, "SETVAL of semaphore 1 only")
	sys.RequireKernel(t, "4.6", "SETALL updates sempid since Linux 4.6")
	setAll(t, id, 1, 1)
	requirePid(0, os.Getpid(), "test's SETALL")
	requirePid(1, os.Getpid(), "test's SETALL")
}

// GETNCNT counts the processes asleep waiting for a semaphore to increase,
// GETZCNT those waiting for it to become 0; both drop back as the sleepers
// are served.
func TestGetncntAndGetzcntCountSleepingProcesses(t *testing.T) {
	id := newSet(t, 2, 0o600)
	setVal(t, id, 1, 1)
	var takers, zeroers []semPeer
	for range 2 {
		peer := spawnSem(t, proc.PeerSpec{})
		peer.Start(t, "op %d %s", id, spec(p(0)))
		peer.requireBlocked(t, "P on value 0")
		takers = append(takers, peer)
	}
	for range 3 {
		peer := spawnSem(t, proc.PeerSpec{})
		peer.Start(t, "op %d %s", id, spec(zero(1)))
		peer.requireBlocked(t, "wait for zero on value 1")
		zeroers = append(zeroers, peer)
	}
	counts := func() string {
		return fmt.Sprintf("ncnt %d %d, zcnt %d %d", ncnt(t, id, 0), ncnt(t, id, 1), zcnt(t, id, 0), zcnt(t, id, 1))
	}
	// Linux performs a sleeper's operation inside the call that makes it
	// possible, so its counts are exact as soon as that call returns. A
	// kernel may instead wake every sleeper that might proceed and let the
	// losers queue again, which leaves them out of the counts for a moment:
	// the counts must then settle, within the bound on a wake-up.
	requireCounts := func(want, when string) {
		t.Helper()
		got, limit := counts(), time.Now().Add(sys.WakeBound())
		for got != want && time.Now().Before(limit) {
			time.Sleep(time.Millisecond)
			got = counts()
		}
		if got != want {
			t.Fatalf("%s: %s, want %s", when, got, want)
		}
	}
	requireCounts("ncnt 2 0, zcnt 0 3", "with 2 P sleepers on semaphore 0 and 3 zero sleepers on 1")
	mustOp(t, id, v(0))
	requireCounts("ncnt 1 0, zcnt 0 3", "after one P sleeper was served")
	mustOp(t, id, v(0), p(1))
	requireCounts("ncnt 0 0, zcnt 0 0", "after every sleeper was served")
	for _, peer := range append(takers, zeroers...) {
		peer.Expect(t, "ok")
	}
}

// IPC_STAT reports the set's owner, creator, mode, key and size; semop
// sets sem_otime and leaves sem_ctime; SETVAL sets sem_ctime and leaves
// sem_otime.
func TestIPCStatReportsOwnerModeAndTimes(t *testing.T) {
	key, _ := sysv.NewKey(t, 's')
	before := time.Now().Unix()
	id := newKeyedSet(t, key, 4, 0o640)
	ds := stat(t, id)
	uid, gid := os.Geteuid(), os.Getegid()
	want := fmt.Sprintf("key=%#x uid=%d gid=%d cuid=%d cgid=%d mode=%#o nsems=4 otime=0", key, uid, gid, uid, gid, 0o640)
	got := fmt.Sprintf("key=%#x uid=%d gid=%d cuid=%d cgid=%d mode=%#o nsems=%d otime=%d",
		ds.Perm.Key, ds.Perm.Uid, ds.Perm.Gid, ds.Perm.Cuid, ds.Perm.Cgid, ds.Perm.Mode, ds.Nsems, ds.Otime)
	if got != want {
		t.Fatalf("IPC_STAT of a new set: %s, want %s", got, want)
	}
	sysv.RequireStamp(t, "sem_ctime of a new set", ds.Ctime, before)

	// No semop has run yet, so a SETVAL that touched sem_otime would show.
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "ok", "set %d 0 5", id)
	set := stat(t, id)
	if set.Otime != 0 {
		t.Fatalf("after SETVAL on a set no semop has touched: sem_otime %d, want still 0", set.Otime)
	}

	// The times are whole seconds of a lagging clock: once it is past
	// sem_ctime, a semop that set sem_ctime would change it.
	sysv.WaitPastStamp(t, set.Ctime)
	before = time.Now().Unix()
	peer.Must(t, "ok", "op %d %s", id, spec(v(2)))
	op := stat(t, id)
	sysv.RequireStamp(t, "sem_otime after a semop", op.Otime, before)
	if op.Ctime != set.Ctime {
		t.Fatalf("after a semop: sem_ctime %d, want still %d", op.Ctime, set.Ctime)
	}

	// The clock is past the last sem_ctime: this SETVAL's stamp differs.
	before = time.Now().Unix()
	peer.Must(t, "ok", "set %d 0 6", id)
	sysv.RequireStamp(t, "sem_ctime after a SETVAL later than the last", stat(t, id).Ctime, before)
}

// IPC_SET changes the owner and the permission bits (only the low 9),
// never the creator; IPC_STAT shows the change.
func TestIPCSetChangesOwnerAndModeNotCreator(t *testing.T) {
	id := newSet(t, 1, 0o600)
	ds := stat(t, id)
	ds.Perm.Uid, ds.Perm.Gid = sys.OtherUser, sys.OtherUser
	ds.Perm.Mode = 0o7644 // only 0644 may take
	ds.Perm.Cuid = 123    // ignored
	if err := Set(id, &ds); err != nil {
		t.Fatalf("IPC_SET: %s", sys.ErrnoName(err))
	}
	got := stat(t, id)
	if got.Perm.Uid != sys.OtherUser || got.Perm.Gid != sys.OtherUser || got.Perm.Mode != 0o644 || got.Perm.Cuid != uint32(os.Geteuid()) {
		t.Fatalf("after IPC_SET: uid %d gid %d mode %#o cuid %d; want uid and gid %d, mode 0644, cuid %d",
			got.Perm.Uid, got.Perm.Gid, got.Perm.Mode, got.Perm.Cuid, sys.OtherUser, os.Geteuid())
	}
}

// IPC_INFO reports the namespace's limits, the ones /proc/sys/kernel/sem
// shows, and SEMVMX and SEMAEM; SEM_INFO counts the sets and semaphores
// that exist, and returns the highest index in use of the kernel's table,
// over which SEM_STAT finds every set, these two among them.
func TestIPCInfoAndSemInfoReportLimitsAndUsage(t *testing.T) {
	limits, err := ReadLimits()
	if err != nil {
		t.Fatal(err)
	}
	_, info, err := Info(IPC_INFO)
	if err != nil {
		t.Fatalf("IPC_INFO: %s", sys.ErrnoName(err))
	}
	got := [6]int32{info.Msl, info.Mns, info.Opm, info.Mni, info.Vmx, info.Aem}
	want := [6]int32{int32(limits.MSL), int32(limits.MNS), int32(limits.OPM), int32(limits.MNI), SEMVMX, SEMAEM}
	if got != want {
		t.Fatalf("IPC_INFO semmsl, semmns, semopm, semmni, semvmx, semaem = %v, want %v", got, want)
	}

	a := newSet(t, 2, 0o600)
	b := newSet(t, 5, 0o600)
	maxIndex, usage, err := Info(SEM_INFO)
	if err != nil {
		t.Fatalf("SEM_INFO: %s", sys.ErrnoName(err))
	}
	found := map[int]uint64{} // id: semaphores
	var sems uint64
	for index := 0; index <= maxIndex; index++ {
		id, ds, err := StatIndex(index, SEM_STAT)
		if err == unix.EINVAL {
			continue // no set at this index
		}
		if err != nil {
			t.Fatalf("SEM_STAT of index %d: %s", index, sys.ErrnoName(err))
		}
		found[id] = ds.Nsems
		sems += ds.Nsems
	}
	if found[a] != 2 || found[b] != 5 {
		t.Fatalf("SEM_STAT over indexes 0..%d found sets %v, want %d (2 semaphores) and %d (5)", maxIndex, found, a, b)
	}
	if int(usage.Usz) != len(found) || uint64(usage.Aem) != sems {
		t.Fatalf("SEM_INFO: %d sets with %d semaphores; SEM_STAT over indexes 0..%d finds %d with %d", usage.Usz, usage.Aem, maxIndex, len(found), sems)
	}
}
