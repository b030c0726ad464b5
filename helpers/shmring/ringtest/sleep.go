package ringtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A Sleep fails the test unless a thread of pid is asleep where a blocking
// ring of one kind sleeps. stillBlocked shows, over a bound, that the call
// in question has not returned; it runs before each look.
type Sleep func(t testing.TB, pid int, stillBlocked func())

// FutexSleep: a thread of pid is in futex(2) with op FUTEX_WAIT, shared
// (the Go runtime's own waits are FUTEX_WAIT_PRIVATE), on an address that
// pid maps shared: asleep on a ring's word.
func FutexSleep(t testing.TB, pid int, stillBlocked func()) {
	t.Helper()
	requireSyscallSleep(t, pid, stillBlocked, "FUTEX_WAIT on shared memory", func(nr uint64, args []uint64) bool {
		const futexWait = 0 // linux/futex.h; the op is exactly this, without FUTEX_PRIVATE_FLAG
		return nr == unix.SYS_FUTEX && args[1] == futexWait && inSharedMapping(pid, args[0])
	})
}

// EventfdSleep: a thread of pid is in read(2) on an eventfd.
func EventfdSleep(t testing.TB, pid int, stillBlocked func()) {
	t.Helper()
	requireSyscallSleep(t, pid, stillBlocked, "read(2) of an eventfd", func(nr uint64, args []uint64) bool {
		if nr != unix.SYS_READ {
			return false
		}
		target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, args[0]))
		return err == nil && target == "anon_inode:[eventfd]"
	})
}

// requireSyscallSleep looks, up to a bound, for a thread of pid blocked in
// a system call that match accepts (/proc/PID/task/TID/syscall: the call's
// number and arguments). Where the kernel shows no system calls (gVisor),
// the silence stillBlocked proves is the only evidence, and the test log
// says so.
func requireSyscallSleep(t testing.TB, pid int, stillBlocked func(), what string, match func(nr uint64, args []uint64) bool) {
	t.Helper()
	var seen []string
	for range 20 {
		stillBlocked()
		files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
		seen = seen[:0]
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			seen = append(seen, strings.TrimSpace(string(data)))
			nr, args, ok := parseSyscall(string(data))
			if ok && match(nr, args) {
				return
			}
		}
		if len(seen) == 0 {
			t.Logf("kernel %s shows no system calls of pid %d: %s shown by silence alone", sys.KernelRelease(), pid, what)
			return
		}
	}
	t.Fatalf("no thread of pid %d asleep in %s; system calls: %q", pid, what, seen)
}

// SyscallsShown reports whether the kernel shows the system calls of pid's
// threads (/proc/PID/task/TID/syscall), which the sleep proofs read.
func SyscallsShown(pid int) bool {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
	for _, f := range files {
		if _, err := os.ReadFile(f); err == nil {
			return true
		}
	}
	return false
}

// parseSyscall reads a syscall file: the number, then six arguments in hex,
// for a thread blocked in a call.
func parseSyscall(s string) (nr uint64, args []uint64, ok bool) {
	f := strings.Fields(s)
	if len(f) < 7 {
		return 0, nil, false // "running", or "-1 ..." outside a call
	}
	nr, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return 0, nil, false
	}
	for _, a := range f[1:7] {
		v, err := strconv.ParseUint(strings.TrimPrefix(a, "0x"), 16, 64)
		if err != nil {
			return 0, nil, false
		}
		args = append(args, v)
	}
	return nr, args, true
}

// inSharedMapping reports whether addr lies in a shared mapping of pid.
func inSharedMapping(pid int, addr uint64) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasSuffix(f[1], "s") {
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil && start <= addr && addr < end {
			return true
		}
	}
	return false
}
