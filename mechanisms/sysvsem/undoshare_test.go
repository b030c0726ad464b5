package sysvsem

import (
	"strconv"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// The SEM_UNDO adjustments of a process belong to all its threads (they
// share one list, as clone with CLONE_SYSVSEM asks): an adjustment made on
// a thread that then ends stays in force, and is reverted only when the
// whole process ends. A kernel that kept the list per thread would revert
// it when the thread ended.
func TestUndoIsSharedByTheThreadsOfAProcess(t *testing.T) {
	id := newSet(t, 1, 0o600)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Start(t, "undo-thread %d %s", id, spec(undo(v(0))))
	tid := peer.Thread(t)
	peer.Expect(t, "ok")
	proc.RequireThreadEnds(t, peer.Pid, tid)
	requireVal(t, id, 0, 1, "after the thread that made the SEM_UNDO operation ended")
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	requireVal(t, id, 0, 0, "after the process ended")
}

// A child made by fork(2) starts with no SEM_UNDO adjustments (man 2
// semop): the parent's +1 is not reverted when the child exits, only when
// the parent does. A kernel that copied the adjustments into the child
// would revert the +1 at the child's exit. Go forks only to exec, so the
// parent is a small C program.
func TestUndoIsNotInheritedByAForkedChild(t *testing.T) {
	id := newSet(t, 1, 0o600)
	parent := sysv.StartC(t, "testdata/forkundo.c", strconv.Itoa(id))
	parent.Expect(t, "child ended")
	requireVal(t, id, 0, 1, "after the forked child ended")
	parent.Release(t)
	requireVal(t, id, 0, 0, "after the parent ended")
}
