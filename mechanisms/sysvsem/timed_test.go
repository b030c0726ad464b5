package sysvsem

import (
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// semtimedop that cannot proceed fails with EAGAIN once its timeout has
// passed, not before, and performs nothing; one that can proceed within
// the timeout succeeds.
func TestSemtimedopTimesOutWithEAGAIN(t *testing.T) {
	id := newSet(t, 1, 0o600)
	timeout := sys.Scale(200 * time.Millisecond)
	start := time.Now()
	err := TimedOp(id, timeout, p(0))
	elapsed := time.Since(start)
	sys.RequireErrno(t, err, unix.EAGAIN, "semtimedop P on value 0")
	if elapsed < timeout {
		t.Fatalf("semtimedop gave up after %v, before its timeout of %v", elapsed, timeout)
	}
	if limit := timeout + sys.Scale(5*time.Second); elapsed > limit {
		t.Fatalf("semtimedop took %v for a timeout of %v", elapsed, timeout)
	}
	requireVal(t, id, 0, 0, "after the timeout")
	if n := ncnt(t, id, 0); n != 0 {
		t.Fatalf("GETNCNT = %d after the timeout, want 0", n)
	}

	peer := spawnSem(t, proc.PeerSpec{})
	peer.Start(t, "timedop %d %d %s", id, sys.Scale(time.Minute).Milliseconds(), spec(p(0)))
	peer.requireBlocked(t, "semtimedop P with a minute's timeout")
	mustOp(t, id, v(0))
	peer.Expect(t, "ok")
}

// semtimedop checks its timeout before anything else: a tv_nsec outside
// [0, 1e9) or a negative tv_sec is EINVAL even for an operation that could
// proceed at once, and the operation is not performed.
func TestSemtimedopWithInvalidTimeoutFailsEINVAL(t *testing.T) {
	id := newSet(t, 1, 0o600)
	for _, c := range []struct {
		what string
		ts   unix.Timespec
	}{{"tv_nsec a whole second", unix.Timespec{Nsec: 1e9}}, {"negative tv_nsec", unix.Timespec{Nsec: -1}}, {"negative tv_sec", unix.Timespec{Sec: -1}}} {
		t.Run(c.what, func(t *testing.T) {
			err := TimedOpOnce(id, &c.ts, v(0))
			sys.RequireErrno(t, err, unix.EINVAL, "semtimedop V with timeout "+strconv.FormatInt(c.ts.Sec, 10)+"s "+strconv.FormatInt(c.ts.Nsec, 10)+"ns")
		})
	}
	requireVal(t, id, 0, 0, "after the rejected calls")
	if err := TimedOpOnce(id, nil, v(0)); err != nil {
		t.Fatalf("semtimedop with a NULL timeout: %s", sys.ErrnoName(err))
	}
	requireVal(t, id, 0, 1, "after semtimedop with a NULL timeout")
}

// IPC_RMID wakes every process asleep in semop on the set, P waiters and
// zero waiters alike, with EIDRM; afterwards the identifier is gone and
// any call on it fails with EINVAL.
func TestRemovalWakesWaitersInOtherProcessesWithEIDRM(t *testing.T) {
	id := newSet(t, 2, 0o600)
	setVal(t, id, 1, 1)
	taker := spawnSem(t, proc.PeerSpec{})
	taker.Start(t, "op %d %s", id, spec(p(0)))
	taker.requireBlocked(t, "P on value 0")
	zeroer := spawnSem(t, proc.PeerSpec{})
	zeroer.Start(t, "op %d %s", id, spec(zero(1)))
	zeroer.requireBlocked(t, "wait for zero on value 1")
	// Silence does not show that a peer has reached semop: one that gets
	// there after the removal sees EINVAL. The set's own counts of its
	// sleepers do.
	awaitCount(t, "GETNCNT of semaphore 0", func() int { return ncnt(t, id, 0) }, 1)
	awaitCount(t, "GETZCNT of semaphore 1", func() int { return zcnt(t, id, 1) }, 1)

	if err := Remove(id); err != nil {
		t.Fatalf("IPC_RMID: %s", sys.ErrnoName(err))
	}
	taker.Expect(t, "EIDRM")
	zeroer.Expect(t, "EIDRM")
	sys.RequireErrno(t, Op(id, v(0)), unix.EINVAL, "semop on the removed set")
	_, err := GetVal(id, 0)
	sys.RequireErrno(t, err, unix.EINVAL, "GETVAL on the removed set")
}

// A signal whose handler was installed with SA_RESTART (as Go's are) still
// interrupts a sleeping semop with EINTR: semop is never restarted (man 7
// signal). The interrupted call leaves no waiter behind.
func TestSemopInterruptedBySignalFailsEINTR(t *testing.T) {
	id := newSet(t, 1, 0o600)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Start(t, "intr %d %s", id, spec(p(0)))
	tid := peer.Thread(t)
	peer.requireBlocked(t, "P on value 0")
	if err := unix.Tgkill(peer.Pid, tid, unix.SIGUSR1); err != nil {
		t.Fatalf("tgkill: %s", sys.ErrnoName(err))
	}
	peer.Expect(t, "EINTR after SIGUSR1")
	if n := ncnt(t, id, 0); n != 0 {
		t.Fatalf("GETNCNT = %d after the interrupted P, want 0", n)
	}
	requireVal(t, id, 0, 0, "after the interrupted P")
}
