package fifo

import (
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers"
)

// newFIFO makes a FIFO with exactly mode (chmod after mkfifo, so the umask
// does not matter) in a fresh directory. At cleanup, before the directory
// goes, an O_RDWR open releases any opener of this process still blocked on
// it after a failure, so that no thread stays stuck in open.
func newFIFO(t *testing.T, mode uint32) string {
	t.Helper()
	path := filepath.Join(helpers.Dir(t), "f")
	if err := unix.Mkfifo(path, mode); err != nil {
		t.Fatalf("mkfifo %s: %s", path, helpers.ErrnoName(err))
	}
	if err := unix.Chmod(path, mode); err != nil {
		t.Fatalf("chmod %s: %s", path, helpers.ErrnoName(err))
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
		t.Fatalf("open %s (flags %#x): %s", path, flags, helpers.ErrnoName(err))
	}
	return helpers.Own(t, fd)
}

// openReader opens a reader without waiting for a writer, then makes it
// blocking, as the transport does.
func openReader(t *testing.T, path string) int {
	t.Helper()
	fd := mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
	helpers.SetNonblock(t, fd, false)
	return fd
}

// queued is FIONREAD (TIOCINQ in x/sys/unix): the bytes waiting in the FIFO.
func queued(t *testing.T, fd int) int {
	t.Helper()
	n, err := helpers.FIONREAD(fd)
	if err != nil {
		t.Fatalf("FIONREAD on fd %d: %s", fd, helpers.ErrnoName(err))
	}
	return n
}

func mustWrite(t *testing.T, fd int, s string) {
	t.Helper()
	if n, err := helpers.Write(fd, []byte(s)); err != nil || n != len(s) {
		t.Fatalf("write %q: %s", s, helpers.Result{N: n, Err: err})
	}
}

// mustRead does one read(2) of up to len(want) bytes and fails unless it
// returns exactly want.
func mustRead(t *testing.T, fd int, want string) {
	t.Helper()
	buf := make([]byte, len(want)+1)
	n, err := helpers.Read(fd, buf[:len(want)])
	if err != nil || string(buf[:n]) != want {
		t.Fatalf("read: got %q (%s), want %q", buf[:n], helpers.Result{N: n, Err: err}, want)
	}
}

// The kernel function a FIFO open sleeps in until the other end opens
// (fs/pipe.c); /proc/PID/task/TID/wchan names it for a sleeping thread.
const partnerWait = "wait_for_partner"
