package sys

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// KernelVersion reads the running kernel's major, minor and sublevel. The
// sublevel comes from uname's release where it is there, and otherwise
// from its version string, where distributions that number every update
// 0 in the release (Debian: "5.10.0-32-cloud-amd64") name the upstream
// one ("Debian 5.10.223-1"). ok is false when neither names it.
func KernelVersion() (v [3]int, ok bool) {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return v, false
	}
	release := regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+))?`).FindStringSubmatch(unix.ByteSliceToString(u.Release[:]))
	if release == nil {
		return v, false
	}
	for i := range 3 {
		v[i], _ = strconv.Atoi(release[i+1])
	}
	if v[2] != 0 {
		return v, true
	}
	prefix := regexp.QuoteMeta(release[1] + "." + release[2] + ".")
	if m := regexp.MustCompile(`\b` + prefix + `(\d+)\b`).FindStringSubmatch(unix.ByteSliceToString(u.Version[:])); m != nil {
		v[2], _ = strconv.Atoi(m[1])
		return v, true
	}
	return v, release[3] != ""
}

// PipeWakesOnEveryWrite tells whether a write to a pipe that holds unread
// data wakes the pipe's waiters (epoll's among them, so that
// edge-triggered epoll reports it as a new event), and why. Linux 5.5 made
// pipe writes wake readers only when the pipe had been empty; 5.14 made
// every write wake them again, and so did the stable updates 5.10.56 and
// 5.13.8. Before 5.5 every write that added data woke them. It skips on a
// 5.10 or 5.13 kernel whose sublevel uname does not name.
func PipeWakesOnEveryWrite(t testing.TB) (bool, string) {
	t.Helper()
	v, ok := KernelVersion()
	at := func(major, minor int) bool { return v[0] > major || v[0] == major && v[1] >= minor }
	switch {
	case !at(5, 5):
		return true, "before 5.5 every pipe write wakes the readers"
	case at(5, 14):
		return true, "since 5.14 every pipe write wakes the readers"
	case v[0] == 5 && (v[1] == 10 || v[1] == 13):
		if !ok {
			t.Skipf("Linux %d.%d: whether pipe writes onto unread data wake readers depends on the stable update (5.10.56, 5.13.8), which uname does not name", v[0], v[1])
		}
		fixed := map[int]int{10: 56, 13: 8}[v[1]]
		running := fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2])
		if v[2] >= fixed {
			return true, fmt.Sprintf("%s is at or past the stable update %d.%d.%d, which made every pipe write wake the readers again", running, v[0], v[1], fixed)
		}
		return false, fmt.Sprintf("%s is before the stable update %d.%d.%d: a pipe write wakes readers only when the pipe was empty", running, v[0], v[1], fixed)
	default:
		return false, "from 5.5 to 5.13 a pipe write wakes readers only when the pipe was empty"
	}
}
