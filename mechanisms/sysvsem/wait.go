package sysvsem

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// WaitChannels are the names /proc/PID/task/TID/wchan gives a thread asleep
// in semop or semtimedop (ipc/sem.c): __do_semtimedop on this suite's
// 6.18 kernel (found by experiment), do_semtimedop on kernels where the
// body is not split out of it.
var WaitChannels = []string{"__do_semtimedop", "do_semtimedop"}

// RequireSemopWait is sys.RequireKernelWait for semop: a thread of pid
// must be found asleep in one of WaitChannels, with stillBlocked run
// between looks.
func RequireSemopWait(t testing.TB, pid int, stillBlocked func()) {
	t.Helper()
	sys.RequireKernelWait(t, pid, stillBlocked, WaitChannels...)
}
