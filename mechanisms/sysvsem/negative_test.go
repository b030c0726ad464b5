package sysvsem

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// Negative controls (proc.RunNegative): each runs the test binary again
// with one deliberately broken test, which must fail and say why. A check
// that passes a broken variant would pass on a kernel with the same fault.

// A kernel whose SETVAL or SETALL left another process's adjustment in
// place would look like a plain semop that sets the same values: the
// undo proof must fail on that.
func TestNegativeControlUndoKeptBySet(t *testing.T) {
	t.Run("SETVAL", func(t *testing.T) {
		code, out := proc.RunNegative(t, "setval-keeps-undo", "-test.run=^TestBrokenSetvalKeepsUndo$")
		proc.RequireFailedWith(t, code, out, "--- FAIL: TestBrokenSetvalKeepsUndo", "want [5 0] and 0")
	})
	t.Run("SETALL", func(t *testing.T) {
		code, out := proc.RunNegative(t, "setall-keeps-undo", "-test.run=^TestBrokenSetallKeepsUndo$")
		proc.RequireFailedWith(t, code, out, "--- FAIL: TestBrokenSetallKeepsUndo", "want [5 7] and 0")
	})
}

// The peer's semop left both semaphores at 1; adding without SEM_UNDO
// reaches the values SETVAL and SETALL set, and clears nothing.
func TestBrokenSetvalKeepsUndo(t *testing.T) {
	if proc.Negative() != "setval-keeps-undo" {
		t.Skip("a deliberately wrong test, run only by TestNegativeControlUndoKeptBySet")
	}
	requireUndoClearedBy(t, func(id int) { mustOp(t, id, add(0, 4)) }, 5, 0)
}

func TestBrokenSetallKeepsUndo(t *testing.T) {
	if proc.Negative() != "setall-keeps-undo" {
		t.Skip("a deliberately wrong test, run only by TestNegativeControlUndoKeptBySet")
	}
	requireUndoClearedBy(t, func(id int) { mustOp(t, id, add(0, 4), add(1, 6)) }, 5, 7)
}
