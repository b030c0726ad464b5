package zerocopy

import (
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// page is the size every test's data is measured against.
var page = unix.Getpagesize()

// dataFile makes a file of size stream bytes (Fill from 0) in a directory
// of the run and returns an fd open for reading and writing, at offset 0.
func dataFile(t testing.TB, size int) int {
	t.Helper()
	return streamFile(t, proc.Dir(t), size)
}

// streamFile makes the file "data" of size stream bytes in dir and
// returns an fd the test owns, open for reading and writing, at offset 0.
func streamFile(t testing.TB, dir string, size int) int {
	t.Helper()
	fd := openFile(t, filepath.Join(dir, "data"), unix.O_RDWR|unix.O_CREAT)
	buf := make([]byte, size)
	Fill(buf, 0)
	if err := sys.WriteFull(fd, buf); err != nil {
		t.Fatalf("write %d bytes of data: %s", size, sys.ErrnoName(err))
	}
	seek(t, fd, 0)
	return fd
}

// openFile opens path with flags (and O_CLOEXEC, mode 0600 if created)
// and returns an fd the test owns.
func openFile(t testing.TB, path string, flags int) int {
	t.Helper()
	fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatalf("open %s: %s", path, sys.ErrnoName(err))
	}
	return sys.Own(t, fd)
}

// seek sets fd's file offset.
func seek(t testing.TB, fd int, off int64) {
	t.Helper()
	if _, err := unix.Seek(fd, off, unix.SEEK_SET); err != nil {
		t.Fatalf("lseek fd %d to %d: %s", fd, off, sys.ErrnoName(err))
	}
}

// fileOffset is fd's file offset (lseek SEEK_CUR).
func fileOffset(t testing.TB, fd int) int64 {
	t.Helper()
	off, err := unix.Seek(fd, 0, unix.SEEK_CUR)
	if err != nil {
		t.Fatalf("lseek fd %d: %s", fd, sys.ErrnoName(err))
	}
	return off
}

// streamPair makes a connected pair of unix stream sockets the test owns.
func streamPair(t testing.TB) (mine, theirs int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socketpair(AF_UNIX, SOCK_STREAM): %s", sys.ErrnoName(err))
	}
	return sys.Own(t, fds[0]), sys.Own(t, fds[1])
}

// socketToReader makes a unix stream socketpair and hands one end to an
// "end" peer, which reads and checks what the test sends.
func socketToReader(t *testing.T) (int, *proc.Peer) {
	t.Helper()
	mine, theirs := streamPair(t)
	return mine, spawnEnd(t, theirs)
}

// pipeToReader makes a pipe and hands its read end to an "end" peer.
func pipeToReader(t *testing.T) (int, *proc.Peer) {
	t.Helper()
	r, w := sys.Pipe(t, 0)
	return w, spawnEnd(t, r)
}

// pipeFromWriter makes a pipe and hands its write end to an "end" peer,
// which writes into it on command.
func pipeFromWriter(t *testing.T) (int, *proc.Peer) {
	t.Helper()
	r, w := sys.Pipe(t, 0)
	return r, spawnEnd(t, w)
}

// requireCount fails unless a call moved exactly want bytes.
func requireCount(t testing.TB, what string, n int, err error, want int) {
	t.Helper()
	if err != nil || n != want {
		t.Fatalf("%s: got %s, want %d bytes", what, sys.Result{N: n, Err: err}, want)
	}
}

// requireOffset fails unless off is want.
func requireOffset(t testing.TB, what string, off, want int64) {
	t.Helper()
	if off != want {
		t.Fatalf("%s is %d, want %d", what, off, want)
	}
}

// readBack reads exactly n bytes from fd and fails unless they are the
// stream's from position from.
func readBack(t testing.TB, fd, n int, from int64, what string) {
	t.Helper()
	buf := make([]byte, n)
	res := sys.Returns(t, what, func() error { return sys.ReadFull(fd, buf) })
	if res != nil {
		t.Fatalf("%s: read %d bytes: %s", what, n, sys.ErrnoName(res))
	}
	if i := Mismatch(buf, from); i >= 0 {
		t.Fatalf("%s: byte %d is %d, want the stream's byte at %d", what, i, buf[i], from+int64(i))
	}
}
