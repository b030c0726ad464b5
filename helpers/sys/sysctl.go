package sys

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// Sysctl reads the number in /proc/sys/NAME (NAME as "fs/pipe-max-size").
// A missing file is an error that errors.Is matches with fs.ErrNotExist.
func Sysctl(name string) (int, error) {
	data, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0, fmt.Errorf("/proc/sys/%s: %v", name, err)
	}
	return n, nil
}

// RequireSysctl reads the number in /proc/sys/NAME, skipping the test
// where the kernel has no such knob and failing it where the file does not
// hold a number.
func RequireSysctl(t testing.TB, name string) int {
	t.Helper()
	n, err := Sysctl(name)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no /proc/sys/%s on Linux %s", name, KernelRelease())
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// OwnMachineEnv names the variable that, set to 1, says the kernel serves
// this test run alone (the matrix's guests set it): only then may a test
// change a machine-wide setting, which reaches every process of the machine.
const OwnMachineEnv = "IPCSUITE_OWN_MACHINE"

// OwnMachine reports whether OwnMachineEnv is set to 1.
func OwnMachine() bool { return os.Getenv(OwnMachineEnv) == "1" }

// RequireOwnMachine skips the test unless OwnMachine: what it does (as
// "lowers /proc/sys/fs/pipe-max-size") reaches every process of the
// machine.
func RequireOwnMachine(t testing.TB, what string) {
	t.Helper()
	if !OwnMachine() {
		t.Skipf("%s for every process of the machine: runs only where %s=1 says the kernel serves this run alone (the matrix's guests)", what, OwnMachineEnv)
	}
}

// SetMachineSysctl writes value to /proc/sys/NAME, a setting of the whole
// machine, and returns a function that writes the old value back; the
// test's cleanup calls it too, so a test may restore early to keep the
// window short. It skips unless OwnMachine, and where the knob is missing
// or may not be written.
func SetMachineSysctl(t testing.TB, name, value string) (restore func()) {
	t.Helper()
	RequireOwnMachine(t, "changes /proc/sys/"+name)
	return SetSysctl(t, name, value)
}

// SetSysctl writes value to /proc/sys/NAME and returns a function that
// writes the old value back unless the knob reads so already (some, like
// kernel/msg_next_id, go back by themselves once used); the test's cleanup
// calls it as well. It skips where the knob is missing or may not be
// written. Whether the change may be made at all is the caller's to
// decide: see SetMachineSysctl, and sysv.SetKnob for an IPC namespace's.
func SetSysctl(t testing.TB, name, value string) (restore func()) {
	t.Helper()
	path := "/proc/sys/" + name
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no %s on Linux %s", path, KernelRelease())
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(value), 0); err != nil {
		// EIO: gVisor shows some knobs but refuses every write.
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, unix.EIO) {
			t.Skipf("may not write %s: %v", path, err)
		}
		t.Fatalf("write %q to %s: %v", value, path, err)
	}
	was := strings.TrimSpace(string(old))
	restore = sync.OnceFunc(func() {
		if now, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(now)) == was {
			return
		}
		if err := os.WriteFile(path, []byte(was), 0); err != nil {
			t.Errorf("restore %s to %q: %v", path, was, err)
		}
	})
	t.Cleanup(restore)
	return restore
}
