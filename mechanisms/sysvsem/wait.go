package sysvsem

import (
	"slices"
	"strings"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers"
)

// WaitChannels are the names /proc/PID/task/TID/wchan gives a thread asleep
// in semop or semtimedop (ipc/sem.c): __do_semtimedop on this suite's
// 6.18 kernel (found by experiment), do_semtimedop on kernels where the
// body is not split out of it.
var WaitChannels = []string{"__do_semtimedop", "do_semtimedop"}

// RequireSemopWait is helpers.RequireKernelWait for semop: it fails unless
// a thread of pid is found asleep in one of WaitChannels, running
// stillBlocked between looks.
func RequireSemopWait(t testing.TB, pid int, stillBlocked func()) {
	t.Helper()
	asleep := func() bool {
		return slices.ContainsFunc(helpers.KernelWaits(pid), func(w string) bool { return slices.Contains(WaitChannels, w) })
	}
	for range 20 {
		if asleep() {
			return
		}
		stillBlocked()
	}
	t.Fatalf("no thread of pid %d sleeps in semop (%s); wait channels: %s",
		pid, strings.Join(WaitChannels, " or "), strings.Join(helpers.KernelWaits(pid), " "))
}
