package sysvsem

import (
	"slices"
	"syscall"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// undoRun has a peer change two semaphores with SEM_UNDO: +1 on semaphore
// 0 (from 0) and -1 on semaphore 1 (from 3), and checks that they took.
func undoRun(t *testing.T) (int, semPeer) {
	id := newSet(t, 2, 0o600)
	setAll(t, id, 0, 3)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "ok", "op %d %s", id, spec(undo(v(0)), undo(p(1))))
	requireVals(t, id, 1, 2)
	return id, peer
}

// SEM_UNDO operations are reverted when the process ends: by exit, and by
// SIGKILL, which gives it no chance to run any code. The reversal counts
// as the dying process's operation (GETPID).
func TestUndoIsRevertedWhenTheProcessEnds(t *testing.T) {
	t.Run("exit", func(t *testing.T) {
		id, peer := undoRun(t)
		peer.Send(t, "exit")
		peer.RequireExit(t, 0)
		requireVals(t, id, 0, 3)
	})
	t.Run("SIGKILL", func(t *testing.T) {
		id, peer := undoRun(t)
		mustOp(t, id, v(1), p(1)) // the last operation is now the test's
		peer.Kill()
		peer.RequireSignal(t, syscall.SIGKILL)
		requireVals(t, id, 0, 3)
		if got := pid(t, id, 1); got != peer.Pid {
			t.Fatalf("GETPID after the undo is %d, want the killed peer's %d", got, peer.Pid)
		}
	})
}

// Only operations made with SEM_UNDO are reverted.
func TestOnlyUndoOperationsAreReverted(t *testing.T) {
	id := newSet(t, 1, 0o600)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "ok", "op %d %s", id, spec(v(0)))
	peer.Must(t, "ok", "op %d %s", id, spec(undo(add(0, 2))))
	requireVal(t, id, 0, 3, "after +1 and +2 with SEM_UNDO")
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	requireVal(t, id, 0, 1, "after the peer exited")
}

// An undo that would take the value below zero stops at zero (man 2
// semop, BUGS: Linux decreases the value as far as possible and lets the
// process end).
func TestUndoBelowZeroStopsAtZero(t *testing.T) {
	id := newSet(t, 1, 0o600)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "ok", "op %d %s", id, spec(undo(add(0, 2))))
	mustOp(t, id, p(0)) // 2 -> 1: the undo of -2 cannot be done in full
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	requireVal(t, id, 0, 0, "after the peer's undo of 2 from 1")
}

// SETVAL and SETALL clear every process's undo adjustments of the
// semaphores they set, and only of those: a peer holds an adjustment of -1
// on each semaphore of a set of two, and its exit then reverts only what
// the test's call left in place. Each call is proved on its own.
func TestSetvalAndSetallClearOtherProcessesUndo(t *testing.T) {
	t.Run("SETVAL", func(t *testing.T) {
		// Semaphore 0 was set and keeps 5; semaphore 1 loses the peer's 1.
		requireUndoClearedBy(t, func(id int) { setVal(t, id, 0, 5) }, 5, 0)
	})
	t.Run("SETALL", func(t *testing.T) {
		requireUndoClearedBy(t, func(id int) { setAll(t, id, 5, 7) }, 5, 7)
	})
}

// requireUndoClearedBy has a peer add 1 with SEM_UNDO to both semaphores
// of a new set and to a control set of one, runs set on the first set,
// lets the peer exit, and requires the values want and the control back
// at 0. A kernel that kept an adjustment that set should have cleared
// leaves that value one lower; the control, which nothing sets, shows that
// the exit reverts adjustments at all, so that a kernel without SEM_UNDO
// cannot pass.
func requireUndoClearedBy(t *testing.T, set func(id int), want ...uint16) {
	t.Helper()
	id := newSet(t, 2, 0o600)
	control := newSet(t, 1, 0o600)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "ok", "op %d %s", id, spec(undo(v(0)), undo(v(1))))
	peer.Must(t, "ok", "op %d %s", control, spec(undo(v(0))))
	set(id)
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	got, err := GetAll(id, len(want))
	if err != nil {
		t.Fatalf("semctl(%d, GETALL): %s", id, sys.ErrnoName(err))
	}
	if c := val(t, control, 0); !slices.Equal(got, want) || c != 0 {
		t.Fatalf("after the peer with undo adjustments exited: semaphore values %v and the control's %d; want %v and 0", got, c, want)
	}
}

// Undo adjustments survive execve (man 2 semop, NOTES): a peer that
// re-executes itself keeps its +1, which exec does not revert and the new
// program's exit does.
func TestUndoSurvivesExecAndIsRevertedAtExit(t *testing.T) {
	id := newSet(t, 1, 0o600)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "ok", "op %d %s", id, spec(undo(v(0))))
	peer.Send(t, "exec")
	peer.Expect(t, "exec'd")
	requireVal(t, id, 0, 1, "after the peer's exec")
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	requireVal(t, id, 0, 0, "after the exec'd peer exited")
}

// A process's undo adjustment of a semaphore is bounded by SEMAEM (32767):
// an operation that would take it further fails with ERANGE, even though
// the value itself stays in range.
func TestUndoAdjustmentPastSEMAEMFailsERANGE(t *testing.T) {
	id := newSet(t, 1, 0o600)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "ok", "op %d %s", id, spec(undo(add(0, 20000))))          // adjustment -20000
	peer.Must(t, "ok", "op %d %s", id, spec(add(0, -20000)))               // value back to 0
	peer.Must(t, "ERANGE", "op %d %s", id, spec(undo(add(0, 20000))))      // -40000 < -SEMAEM-1
	peer.Must(t, "ok", "op %d %s", id, spec(undo(add(0, SEMAEM-20000+1)))) // exactly -32768
	requireVal(t, id, 0, SEMAEM-20000+1, "after the calls")
}
