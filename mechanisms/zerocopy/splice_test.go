package zerocopy

// splice(2): the kernel moves data between a pipe and another file
// without a copy through the caller's memory; one side must be a pipe.

import (
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A file's bytes go through a pipe into a socket, read by a peer: the
// benchmark's splice path. The offset pointer on the file side advances
// and the file offset stays.
func TestSpliceFileThroughPipeToSocket(t *testing.T) {
	file := dataFile(t, 3*page+123)
	sock, peer := socketToReader(t)
	r, w := sys.Pipe(t, 0)
	seek(t, file, 7)
	off := int64(100)
	n, err := unix.Splice(file, &off, w, nil, 2*page, 0)
	requireCount(t, "splice of two pages from the file into the pipe", int(n), err, 2*page)
	requireOffset(t, "the offset after splice", off, int64(100+2*page))
	requireOffset(t, "the file offset after splice with an offset pointer", fileOffset(t, file), 7)
	n, err = unix.Splice(r, nil, sock, nil, 2*page, 0)
	requireCount(t, "splice of two pages from the pipe into the socket", int(n), err, 2*page)
	peer.Must(t, "ok", "expect %d 100", 2*page)
}

// splice between two files or a file and a socket, with no pipe on
// either side, is EINVAL: the kernel does not fall back to a copy.
func TestSpliceNeedsAPipeOnOneSide(t *testing.T) {
	file := dataFile(t, page)
	other := openFile(t, filepath.Join(proc.Dir(t), "other"), unix.O_RDWR|unix.O_CREAT)
	sock, _ := streamPair(t)
	cases := []struct {
		name    string
		in, out int
	}{
		{"file_to_socket", file, sock},
		{"file_to_file", file, other},
		{"socket_to_file", sock, other},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := unix.Splice(c.in, nil, c.out, nil, 100, unix.SPLICE_F_NONBLOCK)
			sys.RequireErrno(t, err, unix.EINVAL, "splice with no pipe on either side")
		})
	}
}

// A pipe has no file position: an offset pointer on its side is ESPIPE.
func TestSpliceOffsetOnThePipeSideIsESPIPE(t *testing.T) {
	file := dataFile(t, page)
	_, w := sys.Pipe(t, 0)
	var off, pipeOff int64
	_, err := unix.Splice(file, &off, w, &pipeOff, 100, 0)
	sys.RequireErrno(t, err, unix.ESPIPE, "splice with an offset for the pipe")
}

// From an empty pipe whose writer (a peer) is still there,
// SPLICE_F_NONBLOCK gives EAGAIN even on a blocking fd; without it splice
// blocks until the peer writes, and then moves what it wrote.
func TestSpliceFromEmptyPipe(t *testing.T) {
	r, writer := pipeFromWriter(t)
	mine, theirs := streamPair(t)
	t.Run("SPLICE_F_NONBLOCK_gives_EAGAIN", func(t *testing.T) {
		_, err := unix.Splice(r, nil, mine, nil, 100, unix.SPLICE_F_NONBLOCK)
		sys.RequireErrno(t, err, unix.EAGAIN, "non-blocking splice from an empty pipe")
	})
	t.Run("blocks_until_the_writer_writes", func(t *testing.T) {
		res := sys.Blocks(t, "splice from an empty pipe", sys.IO(func() (int, error) {
			n, err := unix.Splice(r, nil, mine, nil, 100, 0)
			return int(n), err
		}), func() { writer.Must(t, "ok", "write 60 40") })
		requireCount(t, "splice once the peer wrote 60 bytes", res.N, res.Err, 60)
		readBack(t, theirs, 60, 40, "the bytes spliced into the socket")
	})
}

// Into a full pipe whose reader (a peer) is still there,
// SPLICE_F_NONBLOCK gives EAGAIN even on a blocking fd; without it splice
// blocks until the peer reads, and then moves the file's bytes in.
func TestSpliceIntoFullPipe(t *testing.T) {
	file := dataFile(t, 3*page)
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
	filled := fill(t, w)
	sys.SetNonblock(t, w, false)
	reader := spawnEnd(t, r)
	off := int64(1000)
	t.Run("SPLICE_F_NONBLOCK_gives_EAGAIN", func(t *testing.T) {
		_, err := unix.Splice(file, &off, w, nil, page, unix.SPLICE_F_NONBLOCK)
		sys.RequireErrno(t, err, unix.EAGAIN, "non-blocking splice into a full pipe")
		requireOffset(t, "the offset after EAGAIN", off, 1000)
	})
	t.Run("blocks_until_the_reader_reads", func(t *testing.T) {
		res := sys.Blocks(t, "splice into a full pipe", sys.IO(func() (int, error) {
			n, err := unix.Splice(file, &off, w, nil, page, 0)
			return int(n), err
		}), func() { reader.Must(t, "ok", "expect %d 0", filled) })
		requireCount(t, "splice once the peer emptied the pipe", res.N, res.Err, page)
		reader.Must(t, "ok", "expect %d 1000", page)
	})
}

// fill writes the stream's bytes from 0 into a non-blocking pipe until
// EAGAIN and returns how many went in.
func fill(t testing.TB, w int) int {
	t.Helper()
	buf := make([]byte, page)
	total := 0
	for {
		Fill(buf, int64(total))
		n, err := sys.Write(w, buf)
		if err == unix.EAGAIN {
			return total
		}
		if err != nil {
			t.Fatalf("fill the pipe: write after %d bytes: %s", total, sys.ErrnoName(err))
		}
		total += n
	}
}
