package zerocopy

// tee(2): the kernel copies pipe buffers from one pipe into another by
// reference, leaving the source's data in place.

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// What a peer wrote into one pipe, tee puts into a second pipe as well
// without consuming it: a second peer reads the bytes from the second
// pipe, and the test reads the same bytes from the first. A tee that
// moved the data would leave the first pipe empty; one that lost or
// shifted a page would show in either reader's check.
func TestTeeDuplicatesWithoutConsuming(t *testing.T) {
	size := 2*page + 100
	a, writer := pipeFromWriter(t)
	b, reader := pipeToReader(t)
	writer.Must(t, "ok", "write %d 0", size)
	n, err := unix.Tee(a, b, size+100, 0)
	requireCount(t, "tee of what the writer wrote", int(n), err, size)
	if left, err := sys.FIONREAD(a); err != nil || left != size {
		t.Fatalf("the source pipe holds %s after tee, want %d bytes", sys.Result{N: left, Err: err}, size)
	}
	reader.Must(t, "ok", "expect %d 0", size)
	readBack(t, a, size, 0, "the source pipe after tee")
}

// From an empty pipe whose writer (a peer) is still there,
// SPLICE_F_NONBLOCK makes tee give EAGAIN; without it tee blocks until the
// peer writes.
func TestTeeFromEmptyPipe(t *testing.T) {
	a, writer := pipeFromWriter(t)
	copyR, out := sys.Pipe(t, 0)
	t.Run("SPLICE_F_NONBLOCK_gives_EAGAIN", func(t *testing.T) {
		_, err := unix.Tee(a, out, 100, unix.SPLICE_F_NONBLOCK)
		sys.RequireErrno(t, err, unix.EAGAIN, "non-blocking tee from an empty pipe")
	})
	t.Run("blocks_until_the_writer_writes", func(t *testing.T) {
		res := sys.Blocks(t, "tee from an empty pipe", sys.IO(func() (int, error) {
			n, err := unix.Tee(a, out, 100, 0)
			return int(n), err
		}), func() { writer.Must(t, "ok", "write 60 40") })
		requireCount(t, "tee once the peer wrote 60 bytes", res.N, res.Err, 60)
		readBack(t, copyR, 60, 40, "the copy tee made")
		readBack(t, a, 60, 40, "the source pipe after tee")
	})
}

// tee takes two pipes: a file or socket on either side is EINVAL.
func TestTeeNeedsTwoPipes(t *testing.T) {
	file := dataFile(t, page)
	sock, _ := streamPair(t)
	r, w := sys.Pipe(t, 0)
	cases := []struct {
		name    string
		in, out int
	}{
		{"file_to_pipe", file, w},
		{"pipe_to_socket", r, sock},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := unix.Tee(c.in, c.out, 100, unix.SPLICE_F_NONBLOCK)
			sys.RequireErrno(t, err, unix.EINVAL, "tee with a side that is not a pipe")
		})
	}
}
