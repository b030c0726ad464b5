package mmap

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

var pageSize = os.Getpagesize()

// newFile makes a file of size bytes in the test's directory, starting
// with content and zero after it, and returns its path.
func newFile(t *testing.T, content string, size int) string {
	t.Helper()
	path := filepath.Join(proc.Dir(t), "mapped")
	fd := openFile(t, path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL)
	if err := sys.WriteFull(fd, []byte(content)); err != nil {
		t.Fatalf("write %s: %s", path, sys.ErrnoName(err))
	}
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		t.Fatalf("ftruncate %s: %s", path, sys.ErrnoName(err))
	}
	sys.Close(fd)
	return path
}

// openFile opens path with flags; the test closes it at cleanup unless it
// did so itself (sys.Close).
func openFile(t *testing.T, path string, flags int) int {
	t.Helper()
	fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatalf("open %s: %s", path, sys.ErrnoName(err))
	}
	return sys.Own(t, fd)
}

// mustMap maps length bytes of fd from off, unmapped at cleanup (an
// munmap of a range already unmapped is no error).
func mustMap(t *testing.T, fd, length, prot, flags int, off int64) (uintptr, []byte) {
	t.Helper()
	addr, err := Map(0, length, prot, flags, fd, off)
	if err != nil {
		t.Fatalf("mmap(fd %d, %d bytes, prot %#x, flags %#x, offset %d): %s", fd, length, prot, flags, off, sys.ErrnoName(err))
	}
	t.Cleanup(func() { Unmap(addr, length) })
	return addr, Bytes(addr, length)
}

// fileBytes reads n bytes at off from the file with pread(2) on a fresh
// descriptor: what the file holds, not what a mapping shows.
func fileBytes(t *testing.T, path string, off int64, n int) string {
	t.Helper()
	fd := openFile(t, path, unix.O_RDONLY)
	defer sys.Close(fd)
	buf := make([]byte, n)
	got, err := unix.Pread(fd, buf, off)
	if err != nil {
		t.Fatalf("pread %s: %s", path, sys.ErrnoName(err))
	}
	return printable(buf[:got])
}

const (
	rw = unix.PROT_READ | unix.PROT_WRITE
	ro = unix.PROT_READ
)
