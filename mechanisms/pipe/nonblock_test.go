package pipe

// O_NONBLOCK: EAGAIN where a blocking call would wait; without it, read and
// write wait until the other process acts.

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func TestNonblockReadOfEmptyPipeFailsEAGAINWhileWriterPeerHoldsEnd(t *testing.T) {
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
	p := spawnEnd(t, w, false)
	_, err := sys.Read(r, make([]byte, 16))
	sys.RequireErrno(t, err, unix.EAGAIN, "non-blocking read of an empty pipe with a writer")
	// With the last writer gone, end of file wins over EAGAIN.
	p.Must(t, "ok", "close")
	requireEOF(t, r, "non-blocking read once the writer peer closed")
}

func TestNonblockWriteToFullPipeFailsEAGAIN(t *testing.T) {
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
	spawnEnd(t, r, false) // the only reader, in another process
	capacity := pipeSize(t, w)
	writeAll(t, w, pattern(capacity))
	_, err := sys.Write(w, []byte{1})
	sys.RequireErrno(t, err, unix.EAGAIN, "non-blocking 1-byte write to a full pipe")
}

func TestBlockingReadWaitsUntilWriterPeerWrites(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := spawnEnd(t, w, false)
	buf := make([]byte, 16)
	res := sys.Blocks(t, "read of an empty pipe",
		sys.IO(func() (int, error) { return sys.Read(r, buf) }),
		func() { p.Send(t, "write xyz") })
	if res != (sys.Result{N: 3}) || string(buf[:3]) != "xyz" {
		t.Fatalf("read once the peer wrote: got %s %q, want 3 bytes xyz", res, buf[:max(res.N, 0)])
	}
	p.Expect(t, "3")
}

func TestBlockingWriteToFullPipeWaitsUntilReaderPeerReads(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := spawnEnd(t, r, false)
	capacity := pipeSize(t, w)
	writeAll(t, w, pattern(capacity))
	res := sys.Blocks(t, "write to a full pipe",
		sys.IO(func() (int, error) { return sys.Write(w, pattern(100)) }),
		func() { p.Send(t, "drain 4096") })
	if res != (sys.Result{N: 100}) {
		t.Fatalf("write once the peer read a page: got %s, want 100 bytes", res)
	}
	p.Expect(t, "ok")
}

func TestNonblockFlagIsSharedWithPeerThroughTheOpenFileDescription(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := spawnEnd(t, r, true)
	// O_NONBLOCK lives in the open file description the peer shares, not
	// in the fd: setting it here changes the peer's reads.
	sys.SetNonblock(t, r, true)
	if got := p.Ask(t, "read 8"); got != "EAGAIN" {
		t.Fatalf("peer's read after the test set O_NONBLOCK: %q, want EAGAIN", got)
	}
	sys.SetNonblock(t, r, false)
	p.Send(t, "read 8")
	p.RequireSilent(t, "peer's read after the test cleared O_NONBLOCK")
	writeAll(t, w, []byte("k"))
	p.Expect(t, "k")
}
