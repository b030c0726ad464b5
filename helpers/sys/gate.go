package sys

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// KernelRelease is the running kernel's release string (uname -r).
func KernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}

// parseVersion reads "6.1.0-28-cloud-amd64" or "5.14" as {major, minor}.
func parseVersion(s string) ([2]int, error) {
	var v [2]int
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return v, fmt.Errorf("kernel version %q: want major.minor", s)
	}
	for i := range v {
		digits := strings.TrimRightFunc(parts[i], func(r rune) bool { return r < '0' || r > '9' })
		n, err := strconv.Atoi(digits)
		if err != nil {
			return v, fmt.Errorf("kernel version %q: %v", s, err)
		}
		v[i] = n
	}
	return v, nil
}

// KernelAtLeast reports whether the running kernel is version want
// ("major.minor") or newer.
func KernelAtLeast(want string) bool {
	w, err := parseVersion(want)
	if err != nil {
		panic(err)
	}
	have, err := parseVersion(KernelRelease())
	if err != nil {
		return false
	}
	return have[0] > w[0] || have[0] == w[0] && have[1] >= w[1]
}

// RequireKernel skips the test on kernels older than version, naming both
// and why the version matters.
func RequireKernel(t testing.TB, version, why string) {
	t.Helper()
	if !KernelAtLeast(version) {
		t.Skipf("needs Linux %s or later (%s); running %s", version, why, KernelRelease())
	}
}

// RequireFeature decides what a probe's failure means for a feature that
// arrived in Linux version since. When err is one of the errnos that say
// "not supported", the test skips on an older kernel but fails on a kernel
// new enough to have the feature: a missing feature there is a finding, not
// a reason to pass quietly. Any other error fails the test.
func RequireFeature(t testing.TB, since, feature string, err error, unsupported ...unix.Errno) {
	t.Helper()
	if err == nil {
		return
	}
	for _, e := range unsupported {
		if errors.Is(err, e) {
			if KernelAtLeast(since) {
				t.Fatalf("%s: %s on Linux %s, which is %s or later and should have it", feature, ErrnoName(err), KernelRelease(), since)
			}
			t.Skipf("%s needs Linux %s or later; running %s (%s)", feature, since, KernelRelease(), ErrnoName(err))
		}
	}
	t.Fatalf("%s: %s", feature, ErrnoName(err))
}

// RequireRoot skips the test unless it runs as root.
func RequireRoot(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("needs root (%s); running as uid %d", why, os.Geteuid())
	}
}

// HasCap reports whether the process has capability c in its effective set.
func HasCap(c int) bool {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if hex, ok := strings.CutPrefix(line, "CapEff:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			return err == nil && mask&(1<<uint(c)) != 0
		}
	}
	return false
}

// RequireCap skips the test unless the process has capability c.
func RequireCap(t testing.TB, c int, name, why string) {
	t.Helper()
	if !HasCap(c) {
		t.Skipf("needs %s (%s)", name, why)
	}
}

// OtherUser is the uid and gid a permission peer runs as: nobody.
const OtherUser = 65534

// OtherUID returns the credential for a peer that runs as another user, for
// permission tests (root bypasses IPC permission checks). It skips unless
// the test process may switch uid.
func OtherUID(t testing.TB) *syscall.Credential {
	t.Helper()
	RequireCap(t, unix.CAP_SETUID, "CAP_SETUID", "a permission test runs its peer as uid 65534")
	RequireCap(t, unix.CAP_SETGID, "CAP_SETGID", "a permission test runs its peer as gid 65534")
	return &syscall.Credential{Uid: OtherUser, Gid: OtherUser, NoSetGroups: false}
}
