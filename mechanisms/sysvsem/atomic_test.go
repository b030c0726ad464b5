package sysvsem

import (
	"os"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// The operations of one semop are performed as a unit: when one of them
// cannot proceed under IPC_NOWAIT, the call fails with EAGAIN and none is
// performed, not even the ones before it that could have been (values and
// sempid unchanged).
func TestOpsOfOneCallAllHappenOrNoneWithNowait(t *testing.T) {
	id := newSet(t, 2, 0o600)
	setAll(t, id, 1, 0)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "EAGAIN", "op %d %s", id, spec(nowait(p(0)), nowait(p(1))))
	requireVals(t, id, 1, 0)
	if got := pid(t, id, 0); got != os.Getpid() {
		t.Fatalf("GETPID of semaphore 0 is %d after the failed call, want the test's %d (untouched)", got, os.Getpid())
	}
}

// A blocked multi-operation call holds nothing while it sleeps: the
// semaphore it could already take stays available to others, and the call
// completes as a whole once every operation can proceed.
func TestBlockedOpsOfOneCallCompleteAsAWhole(t *testing.T) {
	id := newSet(t, 2, 0o600)
	setAll(t, id, 1, 0)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Start(t, "op %d %s", id, spec(p(0), p(1)))
	peer.requireBlocked(t, "P on semaphores 0 (value 1) and 1 (value 0)")
	requireVals(t, id, 1, 0)

	// Semaphore 0 was not taken: the test can take it, and then a V on
	// semaphore 1 alone does not complete the peer's call.
	mustOp(t, id, nowait(p(0)))
	mustOp(t, id, v(1))
	peer.requireBlocked(t, "P on semaphores 0 (now 0) and 1 (now 1)")
	requireVals(t, id, 0, 1)

	mustOp(t, id, v(0))
	peer.Expect(t, "ok")
	requireVals(t, id, 0, 0)
	if got := pid(t, id, 1); got != peer.Pid {
		t.Fatalf("GETPID of semaphore 1 is %d, want the peer's %d", got, peer.Pid)
	}
}

// The operations of one call apply in array order: {+1, -1} on a
// semaphore of value 0 succeeds, while {-1, +1} cannot start.
func TestOpsOfOneCallApplyInArrayOrder(t *testing.T) {
	id := newSet(t, 1, 0o600)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "ok", "op %d %s", id, spec(v(0), nowait(p(0))))
	peer.Must(t, "EAGAIN", "op %d %s", id, spec(nowait(p(0)), v(0)))
	requireVal(t, id, 0, 0, "after both calls")
}

// A value past SEMVMX within one call is out of range even when each
// operation alone is not: the call fails with ERANGE and changes nothing.
func TestOpsOfOneCallSummingPastSEMVMXFailERANGE(t *testing.T) {
	id := newSet(t, 1, 0o600)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "ERANGE", "op %d %s", id, spec(add(0, 20000), add(0, 20000)))
	requireVal(t, id, 0, 0, "after the failed call")
}
