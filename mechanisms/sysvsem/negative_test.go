package sysvsem

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Negative controls: each runs the test binary again with one deliberately
// broken test, which must fail and say why. A check that passes a broken
// variant would pass on a kernel with the same fault.

const envNegative = "IPCSUITE_NEGATIVE"

// negative returns the control this process was started to run, if any.
func negative() string { return os.Getenv(envNegative) }

// runNegative runs this test binary with the named control and only the
// test run selects, and returns its exit code and combined output.
func runNegative(t *testing.T, control, run string) (int, string) {
	t.Helper()
	if negative() != "" {
		t.Skip("inside a negative control run")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.v", "-test.run=^"+run+"$")
	cmd.Env = append(os.Environ(), envNegative+"="+control)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = sys.Scale(5e9)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run negative control %s: %v", control, err)
	}
	return code, string(out)
}

func requireFailedWith(t *testing.T, code int, out string, wants ...string) {
	t.Helper()
	if code == 0 {
		t.Fatalf("the run passed; want it to fail. Output:\n%s", out)
	}
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
}

// A kernel whose SETVAL or SETALL left another process's adjustment in
// place would look like a plain semop that sets the same values: the
// undo proof must fail on that.
func TestNegativeControlUndoKeptBySet(t *testing.T) {
	t.Run("SETVAL", func(t *testing.T) {
		code, out := runNegative(t, "setval-keeps-undo", "TestBrokenSetvalKeepsUndo")
		requireFailedWith(t, code, out, "--- FAIL: TestBrokenSetvalKeepsUndo", "want [5 0] and 0")
	})
	t.Run("SETALL", func(t *testing.T) {
		code, out := runNegative(t, "setall-keeps-undo", "TestBrokenSetallKeepsUndo")
		requireFailedWith(t, code, out, "--- FAIL: TestBrokenSetallKeepsUndo", "want [5 7] and 0")
	})
}

// The peer's semop left both semaphores at 1; adding without SEM_UNDO
// reaches the values SETVAL and SETALL set, and clears nothing.
func TestBrokenSetvalKeepsUndo(t *testing.T) {
	if negative() != "setval-keeps-undo" {
		t.Skip("a deliberately wrong test, run only by TestNegativeControlUndoKeptBySet")
	}
	requireUndoClearedBy(t, func(id int) { mustOp(t, id, add(0, 4)) }, 5, 0)
}

func TestBrokenSetallKeepsUndo(t *testing.T) {
	if negative() != "setall-keeps-undo" {
		t.Skip("a deliberately wrong test, run only by TestNegativeControlUndoKeptBySet")
	}
	requireUndoClearedBy(t, func(id int) { mustOp(t, id, add(0, 4), add(1, 6)) }, 5, 7)
}
