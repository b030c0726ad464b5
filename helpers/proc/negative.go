package proc

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Negative controls: a check that would pass a broken variant would pass
// on a kernel (or harness) with the same fault. A control re-runs the test
// binary with one deliberately broken test selected, which skips in every
// other run, and requires that run to fail and name the cause.

const envNegative = "IPCSUITE_NEGATIVE"

// Negative returns the control this process was started to run, or "".
// A deliberately broken test skips unless it is its control's.
func Negative() string { return os.Getenv(envNegative) }

// RunNegative runs this test binary with the named control and the given
// test flags (e.g. "-test.run=^TestBrokenX$"), and returns its exit code and
// combined output. Inside a control run it skips, so controls never nest.
func RunNegative(t testing.TB, control string, args ...string) (int, string) {
	t.Helper()
	if Negative() != "" {
		t.Skip("inside a negative control run")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"-test.v"}, args...)...)
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

// RequireFailedWith fails the test unless a control's run failed and its
// output holds every one of wants.
func RequireFailedWith(t testing.TB, code int, out string, wants ...string) {
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
