package sysvsem

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// P (semop -1) on a semaphore of value 0 sleeps in the kernel until another
// process adds 1 (V), then takes it: the value ends at 0. Shown both ways:
// a peer's P released by the test's V, and the test's P released by a
// peer's V.
func TestPOnZeroBlocksUntilAnotherProcessAddsOne(t *testing.T) {
	t.Run("peer waits, test posts", func(t *testing.T) {
		id := newSet(t, 1, 0o600)
		peer := spawnSem(t, proc.PeerSpec{})
		peer.Start(t, "op %d %s", id, spec(p(0)))
		peer.requireBlocked(t, "P on a semaphore of value 0")
		mustOp(t, id, v(0))
		peer.Expect(t, "ok")
		requireVal(t, id, 0, 0, "after V then the peer's P")
	})
	t.Run("test waits, peer posts", func(t *testing.T) {
		id := newSet(t, 1, 0o600)
		peer := spawnSem(t, proc.PeerSpec{})
		err := sys.Blocks(t, "P on a semaphore of value 0", func() error { return Op(id, p(0)) },
			func() { peer.Must(t, "ok", "op %d %s", id, spec(v(0))) })
		if err != nil {
			t.Fatalf("P after the peer's V: %s", sys.ErrnoName(err))
		}
		requireVal(t, id, 0, 0, "after the peer's V then P")
	})
}

// With IPC_NOWAIT an operation that would sleep fails at once with EAGAIN
// and changes nothing, whether it is a P that cannot be satisfied or a
// wait for zero on a nonzero value.
func TestOperationThatWouldBlockWithNowaitFailsEAGAIN(t *testing.T) {
	id := newSet(t, 2, 0o600)
	setAll(t, id, 0, 1)
	peer := spawnSem(t, proc.PeerSpec{})
	for _, c := range []struct {
		what string
		op   Sembuf
	}{
		{"P on value 0", nowait(p(0))},
		{"-2 on value 1", nowait(add(1, -2))},
		{"wait for zero on value 1", nowait(zero(1))},
	} {
		t.Run(c.what, func(t *testing.T) { peer.Must(t, "EAGAIN", "op %d %s", id, spec(c.op)) })
	}
	requireVals(t, id, 0, 1)
	if n := ncnt(t, id, 0) + ncnt(t, id, 1) + zcnt(t, id, 1); n != 0 {
		t.Fatalf("%d waiters counted after IPC_NOWAIT failures, want 0", n)
	}
}

// sem_op 0 waits until the value is zero: it stays asleep while the value
// drops from 2 to 1 and returns once it reaches 0.
func TestWaitForZeroBlocksUntilValueIsZero(t *testing.T) {
	id := newSet(t, 1, 0o600)
	setVal(t, id, 0, 2)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Start(t, "op %d %s", id, spec(zero(0)))
	peer.requireBlocked(t, "wait for zero on value 2")
	mustOp(t, id, p(0))
	peer.requireBlocked(t, "wait for zero on value 1")
	mustOp(t, id, p(0))
	peer.Expect(t, "ok")
}

// Waiters are not served in order of arrival: a process waiting to take 2
// does not hold up one that arrived later wanting 1, when only 1 is there.
func TestWaiterForMoreDoesNotHoldUpALaterWaiterForLess(t *testing.T) {
	id := newSet(t, 1, 0o600)
	big := spawnSem(t, proc.PeerSpec{})
	small := spawnSem(t, proc.PeerSpec{})
	big.Start(t, "op %d %s", id, spec(add(0, -2)))
	big.requireBlocked(t, "semop -2 on value 0")
	small.Start(t, "op %d %s", id, spec(p(0)))
	small.requireBlocked(t, "semop -1 on value 0")

	mustOp(t, id, v(0))
	small.Expect(t, "ok")
	big.requireBlocked(t, "semop -2 after 1 was added and taken")
	mustOp(t, id, add(0, 2))
	big.Expect(t, "ok")
	requireVal(t, id, 0, 0, "after both waiters took their share")
}
