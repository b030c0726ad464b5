package sysv

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// OwnNamespace reports whether the tests run in an IPC namespace of their
// own: proc.OwnIPCNamespace made it, so the parent process (the copy of
// the test binary that did) is in another one.
func OwnNamespace() bool {
	self, err1 := os.Readlink("/proc/self/ns/ipc")
	parent, err2 := os.Readlink("/proc/" + strconv.Itoa(os.Getppid()) + "/ns/ipc")
	return err1 == nil && err2 == nil && self != parent
}

// SetKnob writes value to /proc/sys/kernel/name, a setting of the IPC
// namespace (a limit, msg_next_id, shm_rmid_forced), and writes the old
// value back when the test ends (see sys.SetSysctl). It skips unless the
// tests run in an IPC namespace of their own, so that nothing outside the
// test run changes, and where the knob is missing or may not be written.
func SetKnob(t testing.TB, name, value string) {
	t.Helper()
	if !OwnNamespace() {
		t.Skipf("changes /proc/sys/kernel/%s: runs only in an IPC namespace of its own", name)
	}
	sys.SetSysctl(t, "kernel/"+name, value)
}

// ReadKnob reads /proc/sys/kernel/name as text without its newline,
// skipping the test where the kernel has no such knob.
func ReadKnob(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile("/proc/sys/kernel/" + name)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no /proc/sys/kernel/%s on Linux %s", name, sys.KernelRelease())
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// RequireNextID checks a checkpoint/restore knob of the IPC namespace,
// /proc/sys/kernel/knob (msg_next_id, sem_next_id, shm_next_id): it reads
// -1 until written, then makes the identifier of the next object exactly
// the value written, once (create makes one object, a what, and returns
// its id): the knob reads -1 again afterwards and the object after that
// gets another id. want should be a value no counter of a fresh namespace
// reaches, so that a kernel that ignored the knob fails.
func RequireNextID(t testing.TB, knob string, want int, what string, create func() int) {
	t.Helper()
	if got := ReadKnob(t, knob); got != "-1" {
		t.Fatalf("%s reads %s before use, want -1", knob, got)
	}
	SetKnob(t, knob, strconv.Itoa(want))
	if id := create(); id != want {
		t.Fatalf("a new %s after %s = %d: id %d", what, knob, want, id)
	}
	if got := ReadKnob(t, knob); got != "-1" {
		t.Fatalf("%s reads %s after the %s was made, want -1", knob, got, what)
	}
	if next := create(); next == want {
		t.Fatalf("a second %s got id %d too", what, next)
	}
}

// NoAccessPage returns the address of a page of the test's own mapped
// PROT_NONE (unmapped when the test ends): a pointer argument the kernel
// must refuse with EFAULT, in memory no one else can reuse meanwhile.
func NoAccessPage(t testing.TB) uintptr {
	t.Helper()
	mem, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatalf("mmap PROT_NONE: %s", sys.ErrnoName(err))
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	return uintptr(unsafe.Pointer(unsafe.SliceData(mem)))
}

// UnshareIPC moves the calling goroutine into a new, empty IPC namespace:
// it locks the goroutine to its thread for good and unshares that thread,
// since unshare(2) changes only the calling thread. A peer calls it and
// then makes every later IPC call from the same goroutine.
func UnshareIPC() error {
	runtime.LockOSThread()
	return unix.Unshare(unix.CLONE_NEWIPC)
}
