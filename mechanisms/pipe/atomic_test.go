package pipe

// PIPE_BUF: writes of at most PIPE_BUF bytes are atomic, between concurrent
// writer processes and, with O_NONBLOCK, all or nothing.

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/stream"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func TestWritesUpToPipeBufFromConcurrentWriterPeersNeverInterleave(t *testing.T) {
	const writers, records = 4, 1500 // ~12 MB through a 64 KiB pipe
	r, w := sys.Pipe(t, 0)
	var peers []*proc.Peer
	for i := range writers {
		p := proc.Spawn(t, "record-writer", proc.PeerSpec{
			Files: []int{w},
			Args:  []string{fmt.Sprintf("writer=%d", i), fmt.Sprintf("count=%d", records), fmt.Sprintf("max=%d", stream.PipeBuf)},
		})
		p.Expect(t, "ready")
		peers = append(peers, p)
	}
	sys.Close(w) // end of file once every writer has exited
	stream.RequireIntactRecords(t, r, peers, records)
}

func TestNonblockWriteUpToPipeBufThatDoesNotFitFailsEAGAINAndWritesNothing(t *testing.T) {
	for _, c := range []struct {
		rule string
		free int
	}{
		{"a byte free", 1},
		{"a little room free", 100},
		{"about half a page free", 2096},
		{"all but a byte of PIPE_BUF free", stream.PipeBuf - 1},
	} {
		t.Run(c.rule, func(t *testing.T) {
			r, w := sys.Pipe(t, unix.O_NONBLOCK)
			capacity, free := pipeSize(t, w), c.free
			// Leave free bytes of room, then try one byte more, and PIPE_BUF.
			writeAll(t, w, pattern(capacity-free))
			for _, size := range []int{free + 1, stream.PipeBuf} {
				n, err := sys.Write(w, pattern(size))
				sys.RequireErrno(t, err, unix.EAGAIN, fmt.Sprintf("write of %d bytes with %d free", size, free))
				if n > 0 {
					t.Fatalf("write of %d bytes with %d free: %d bytes went in", size, free, n)
				}
				if got := nread(t, r); got != capacity-free {
					t.Fatalf("write of %d bytes with %d free failed but the pipe holds %d bytes, want %d untouched", size, free, got, capacity-free)
				}
			}
		})
	}
}

func TestNonblockWriteAbovePipeBufIntoPartlyFullPipeIsPartial(t *testing.T) {
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
	capacity := pipeSize(t, w)
	writeAll(t, w, []byte("0123456789"))
	n, err := sys.Write(w, pattern(capacity))
	if err != nil || n <= 0 || n >= capacity {
		t.Fatalf("write of %d bytes into a pipe holding 10: got %s, want a partial count", capacity, sys.Result{N: n, Err: err})
	}
	if got := nread(t, r); got != 10+n {
		t.Fatalf("pipe holds %d bytes after a partial write of %d onto 10", got, n)
	}
	t.Logf("partial write put %d of %d bytes in (whole free pages only)", n, capacity)
}

// Above PIPE_BUF a nonblocking write may be partial, but into a full pipe
// not even a byte fits: EAGAIN, not a count of 0. A kernel that returned 0
// would make a writer loop forever.
func TestNonblockWriteAbovePipeBufIntoFullPipeFailsEAGAIN(t *testing.T) {
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
	spawnEnd(t, r, false) // the only reader, in another process
	capacity := pipeSize(t, w)
	writeAll(t, w, pattern(capacity))
	for _, size := range []int{stream.PipeBuf + 1, capacity} {
		n, err := sys.Write(w, pattern(size))
		sys.RequireErrno(t, err, unix.EAGAIN, fmt.Sprintf("nonblocking write of %d bytes into a full pipe", size))
		if n > 0 {
			t.Fatalf("nonblocking write of %d bytes into a full pipe: %d bytes went in", size, n)
		}
	}
}
