package helpers_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Negative controls: each runs the test binary again with one deliberately
// broken test or one deliberate leak, and checks that the harness fails
// the run and names the cause. A harness that passes broken tests proves
// nothing about kernels.

const envNegative = "IPCSUITE_NEGATIVE"

// negative returns the control this process was started to run, if any.
func negative() string { return os.Getenv(envNegative) }

func init() {
	if negative() == "unused-role" {
		proc.Register("never-spawned", func([]string) int { return 0 })
	}
}

// runNegative runs this test binary with the named control and returns its
// exit code and combined output.
func runNegative(t *testing.T, control string, args ...string) (int, string) {
	t.Helper()
	if negative() != "" {
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

// Asserting end of file while another process still holds a write end is
// wrong (seed 004, case 2): the test that does so must fail.
func TestNegativeControlEOFWithWriterOpen(t *testing.T) {
	code, out := runNegative(t, "eof", "-test.run=^TestBrokenEOFWhileWriterOpen$")
	requireFailedWith(t, code, out, "--- FAIL: TestBrokenEOFWhileWriterOpen", "got EAGAIN, want 0 bytes (EOF)")
}

func TestBrokenEOFWhileWriterOpen(t *testing.T) {
	if negative() != "eof" {
		t.Skip("a deliberately wrong test, run only by TestNegativeControlEOFWithWriterOpen")
	}
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
	p := proc.Spawn(t, "hold-write-end", proc.PeerSpec{Files: []int{w}, Handoff: true})
	p.Expect(t, "holding")
	n, err := sys.Read(r, make([]byte, 1))
	if err != nil || n != 0 {
		t.Fatalf("read with the peer's write end open: got %s, want 0 bytes (EOF)", sys.ErrnoName(err))
	}
}

// A call that returns at once must not pass for a blocking one.
func TestNegativeControlBlocks(t *testing.T) {
	code, out := runNegative(t, "blocks", "-test.run=^TestBrokenBlocksClaim$")
	requireFailedWith(t, code, out, "--- FAIL: TestBrokenBlocksClaim", "returned", "want it to block")
}

func TestBrokenBlocksClaim(t *testing.T) {
	if negative() != "blocks" {
		t.Skip("a deliberately wrong test, run only by TestNegativeControlBlocks")
	}
	r, w := sys.Pipe(t, 0)
	sys.WriteFull(w, []byte("x"))
	sys.Blocks(t, "read of a pipe holding data",
		sys.IO(func() (int, error) { return sys.Read(r, make([]byte, 1)) }), func() {})
}

// Objects, files and processes left behind fail the run, by name.
func TestNegativeControlLeakCheck(t *testing.T) {
	code, out := runNegative(t, "leak", "-test.run=^TestDeliberateLeak$")
	// The child's shm name carries its pid; remove what it leaked on purpose.
	for _, line := range strings.Split(out, "\n") {
		if path, ok := strings.CutPrefix(strings.TrimSpace(line), "leaked shm "); ok {
			os.Remove(path)
		}
	}
	requireFailedWith(t, code, out, "leak check: the tests left behind", "/dev/shm/"+proc.Prefix, "leaked-fifo (p---------)", "child process")
}

func TestDeliberateLeak(t *testing.T) {
	if negative() != "leak" {
		t.Skip("a deliberate leak, run only by TestNegativeControlLeakCheck")
	}
	shm := filepath.Join("/dev/shm", proc.Name())
	if err := os.WriteFile(shm, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("leaked shm %s", shm)
	if err := unix.Mkfifo(filepath.Join(proc.RunRoot(), "leaked-fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	sleeper := exec.Command("sleep", "60")
	sleeper.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Logf("leaked child %s", strconv.Itoa(sleeper.Process.Pid))
}

// A role that no test spawns is dead code and fails a full run.
func TestNegativeControlUnusedRole(t *testing.T) {
	code, out := runNegative(t, "unused-role")
	requireFailedWith(t, code, out, "registered but never spawned: [never-spawned]")
}
