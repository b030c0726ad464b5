package pipe

// tee, splice and vmsplice between pipes: the kernel moves or copies pipe
// pages without a trip through user memory.

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func TestTeeCopiesBetweenPipesWithoutConsuming(t *testing.T) {
	r1, w1 := sys.Pipe(t, 0)
	r2, w2 := sys.Pipe(t, 0)
	writeAll(t, w1, []byte("hello"))
	n, err := unix.Tee(r1, w2, 100, 0)
	if err != nil || n != 5 {
		t.Fatalf("tee: got %d, %s; want 5", n, sys.ErrnoName(err))
	}
	if a, b := nread(t, r1), nread(t, r2); a != 5 || b != 5 {
		t.Fatalf("after tee the pipes hold %d and %d bytes, want 5 and 5", a, b)
	}
	requireRead(t, r2, 100, "hello")
	requireRead(t, r1, 100, "hello")
	// tee needs two different pipes.
	_, err = unix.Tee(r1, w1, 100, 0)
	sys.RequireErrno(t, err, unix.EINVAL, "tee from a pipe into itself")
}

func TestSpliceMovesBetweenPipes(t *testing.T) {
	r1, w1 := sys.Pipe(t, 0)
	r2, w2 := sys.Pipe(t, 0)
	writeAll(t, w1, []byte("moved"))
	n, err := unix.Splice(r1, nil, w2, nil, 100, 0)
	if err != nil || n != 5 {
		t.Fatalf("splice: got %d, %s; want 5", n, sys.ErrnoName(err))
	}
	if a := nread(t, r1); a != 0 {
		t.Fatalf("source holds %d bytes after splice, want 0", a)
	}
	requireRead(t, r2, 100, "moved")
	// Empty source, writer open: SPLICE_F_NONBLOCK gives EAGAIN, and a
	// source without writers gives 0.
	_, err = unix.Splice(r1, nil, w2, nil, 100, unix.SPLICE_F_NONBLOCK)
	sys.RequireErrno(t, err, unix.EAGAIN, "non-blocking splice from an empty pipe")
	sys.Close(w1)
	if n, err := unix.Splice(r1, nil, w2, nil, 100, 0); n != 0 || err != nil {
		t.Fatalf("splice from a pipe with no writer: got %d, %s; want 0", n, sys.ErrnoName(err))
	}
}

func TestVmspliceFeedsUserMemoryIntoPipe(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	data := []byte("from user pages")
	iov := []unix.Iovec{{Base: unsafe.SliceData(data)}}
	iov[0].SetLen(len(data))
	n, err := unix.Vmsplice(w, iov, 0)
	if err != nil || n != len(data) {
		t.Fatalf("vmsplice: got %d, %s; want %d", n, sys.ErrnoName(err), len(data))
	}
	requireRead(t, r, 100, string(data))
}
