package pipe

// End of file: read returns what is left, then 0, once every write end in
// every process is closed; while any write end is open it blocks instead.

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func TestReadReturnsRemainingDataThenEOFOnceWriterPeerExits(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := spawnEnd(t, w, false)
	p.Must(t, "11", "write hello-world")
	p.Send(t, "exit")
	p.RequireExit(t, 0)
	// The writer is gone, the data is not.
	requireRead(t, r, 5, "hello")
	requireRead(t, r, 100, "-world")
	requireEOF(t, r, "after the data, with no writer left")
	requireEOF(t, r, "end of file again")
}

func TestReadBlocksWhileWriterPeerHoldsEndThenReturnsEOFWhenItCloses(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := spawnEnd(t, w, false)
	p.Must(t, "3", "write abc")
	requireRead(t, r, 100, "abc")
	// Empty pipe, but a writer exists in another process: read waits.
	res := sys.Blocks(t, "read of an empty pipe whose write end a peer holds",
		sys.IO(func() (int, error) { return sys.Read(r, make([]byte, 100)) }),
		func() { p.Send(t, "close") })
	if res != (sys.Result{}) {
		t.Fatalf("read after the peer closed the only write end: got %s, want 0 (end of file)", res)
	}
	p.Expect(t, "ok")
}

func TestReadReturnsEOFWhenWriterPeerIsKilled(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := spawnEnd(t, w, false)
	// The kernel closes a killed process's fds: that is a close too.
	res := sys.Blocks(t, "read while a peer holds the write end",
		sys.IO(func() (int, error) { return sys.Read(r, make([]byte, 100)) }),
		p.Kill)
	if res != (sys.Result{}) {
		t.Fatalf("read after the writer peer was killed: got %s, want 0 (end of file)", res)
	}
	p.RequireSignal(t, unix.SIGKILL)
}

func TestClosingLastWriterWakesEveryBlockedReader(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	// The only write end lives in a peer.
	writer := spawnEnd(t, w, false)
	// Readers: three peers and two threads of the test process, all blocked
	// in read on the same pipe.
	var readers []*proc.Peer
	for range 3 {
		p := spawnEnd(t, r, true)
		p.Send(t, "read 64")
		readers = append(readers, p)
	}
	var local []*sys.Pending[sys.Result]
	for i := range 2 {
		local = append(local, sys.Start(fmt.Sprintf("read %d in the test process", i),
			sys.IO(func() (int, error) { return sys.Read(r, make([]byte, 64)) })))
	}
	for _, p := range readers {
		p.RequireSilent(t, "read of an empty pipe with a writer")
	}
	for _, l := range local {
		l.RequireBlocked(t)
	}

	writer.Must(t, "ok", "close")
	for i, p := range readers {
		if got := p.Next(t); got != "EOF" {
			t.Errorf("reader peer %d after the last writer closed: %q, want end of file", i, got)
		}
	}
	for i, l := range local {
		if res := l.Wait(t); res != (sys.Result{}) {
			t.Errorf("local reader %d after the last writer closed: %s, want 0", i, res)
		}
	}
}

func TestReadReturnsAvailableBytesAsOneStreamWithoutFillingBuffer(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := spawnEnd(t, w, false)
	p.Must(t, "2", "write ab")
	p.Must(t, "2", "write cd")
	// No message boundaries, and no waiting for the rest of the buffer while
	// the writer stays open.
	requireRead(t, r, 4096, "abcd")
	p.Send(t, "exit")
	p.RequireExit(t, 0)
}
