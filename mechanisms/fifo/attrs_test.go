package fifo

// A FIFO is not a regular file: O_TRUNC does nothing, truncate refuses,
// and opens on 64-bit kernels carry O_LARGEFILE.

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// O_TRUNC applies to regular files only: an open of a FIFO with it
// succeeds and leaves the queued data alone.
func TestOTruncOnAFIFOIsIgnored(t *testing.T) {
	path := newFIFO(t, 0o600)
	r := openReader(t, path)
	w := mustOpen(t, path, unix.O_WRONLY|unix.O_NONBLOCK)
	mustWrite(t, w, "kept")
	mustOpen(t, path, unix.O_WRONLY|unix.O_TRUNC|unix.O_NONBLOCK)
	if n := queued(t, r); n != 4 {
		t.Fatalf("FIFO holds %d bytes after an O_TRUNC open, want the 4 queued before", n)
	}
	mustRead(t, r, "kept")
}

func TestTruncateOfAFIFOFailsEINVAL(t *testing.T) {
	path := newFIFO(t, 0o600)
	r := openReader(t, path)
	w := mustOpen(t, path, unix.O_WRONLY|unix.O_NONBLOCK)
	mustWrite(t, w, "kept")
	t.Run("truncate by path", func(t *testing.T) {
		sys.RequireErrno(t, unix.Truncate(path, 0), unix.EINVAL, "truncate(FIFO, 0)")
	})
	t.Run("ftruncate of the write end", func(t *testing.T) {
		sys.RequireErrno(t, unix.Ftruncate(w, 0), unix.EINVAL, "ftruncate(FIFO writer, 0)")
	})
	if n := queued(t, r); n != 4 {
		t.Fatalf("FIFO holds %d bytes after the failed truncates, want 4", n)
	}
}

// oLargefile is the kernel's O_LARGEFILE, which x/sys/unix gives as 0 on
// 64-bit architectures (libc's view: there every file is large).
var oLargefile = map[string]int{"amd64": 0o100000, "arm64": 0o400000}

// A 64-bit kernel forces O_LARGEFILE onto every open, and F_GETFL shows it.
func TestGetflShowsOLargefileOn64Bit(t *testing.T) {
	flag, ok := oLargefile[runtime.GOARCH]
	if !ok {
		t.Skipf("the kernel's O_LARGEFILE is not written for %s", runtime.GOARCH)
	}
	path := newFIFO(t, 0o600)
	for _, c := range []struct {
		rule  string
		flags int
	}{{"a reader", unix.O_RDONLY | unix.O_NONBLOCK}, {"an O_RDWR opener", unix.O_RDWR}} {
		t.Run(c.rule, func(t *testing.T) {
			fd := mustOpen(t, path, c.flags)
			got, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
			if err != nil {
				t.Fatalf("F_GETFL: %s", sys.ErrnoName(err))
			}
			if want := c.flags | flag; got != want {
				t.Fatalf("F_GETFL %#o, want %#o (the open's flags and O_LARGEFILE)", got, want)
			}
		})
	}
}
