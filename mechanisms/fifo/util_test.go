package fifo

import (
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// newFIFO makes a FIFO with exactly mode (chmod after mkfifo, so the umask
// does not matter) in a fresh directory. At cleanup, before the directory
// goes, an O_RDWR open releases any opener of this process still blocked on
// it after a failure, so that no thread stays stuck in open.
func newFIFO(t *testing.T, mode uint32) string {
	t.Helper()
	path := filepath.Join(proc.Dir(t), "f")
	if err := unix.Mkfifo(path, mode); err != nil {
		t.Fatalf("mkfifo %s: %s", path, sys.ErrnoName(err))
	}
	if err := unix.Chmod(path, mode); err != nil {
		t.Fatalf("chmod %s: %s", path, sys.ErrnoName(err))
	}
	t.Cleanup(func() {
		if fd, err := openFIFO(path, unix.O_RDWR|unix.O_NONBLOCK); err == nil {
			unix.Close(fd)
		}
	})
	return path
}

// mustOpen opens path with a raw fd the test owns, and fails on error. Use
// it only for opens that cannot block.
func mustOpen(t *testing.T, path string, flags int) int {
	t.Helper()
	fd, err := openFIFO(path, flags)
	if err != nil {
		t.Fatalf("open %s (flags %#x): %s", path, flags, sys.ErrnoName(err))
	}
	return sys.Own(t, fd)
}

// openReader opens a reader without waiting for a writer, then makes it
// blocking, as the transport does.
func openReader(t *testing.T, path string) int {
	t.Helper()
	fd := mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
	sys.SetNonblock(t, fd, false)
	return fd
}

// queued is FIONREAD (TIOCINQ in x/sys/unix): the bytes waiting in the FIFO.
func queued(t *testing.T, fd int) int {
	t.Helper()
	n, err := sys.FIONREAD(fd)
	if err != nil {
		t.Fatalf("FIONREAD on fd %d: %s", fd, sys.ErrnoName(err))
	}
	return n
}

func mustWrite(t *testing.T, fd int, s string) {
	t.Helper()
	if n, err := sys.Write(fd, []byte(s)); err != nil || n != len(s) {
		t.Fatalf("write %q: %s", s, sys.Result{N: n, Err: err})
	}
}

// mustRead does one read(2) of up to len(want) bytes and fails unless it
// returns exactly want.
func mustRead(t *testing.T, fd int, want string) {
	t.Helper()
	buf := make([]byte, len(want)+1)
	n, err := sys.Read(fd, buf[:len(want)])
	if err != nil || string(buf[:n]) != want {
		t.Fatalf("read: got %q (%s), want %q", buf[:n], sys.Result{N: n, Err: err}, want)
	}
}

// The kernel function a FIFO open sleeps in until the other end opens
// (fs/pipe.c); /proc/PID/task/TID/wchan names it for a sleeping thread.
const partnerWait = "wait_for_partner"
