package fifo

import (
	"fmt"
	"runtime"
	"strconv"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/stream"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The shared stream pieces (helpers/stream.go), here opening the FIFO by
// path=P rather than getting an inherited fd.
func init() {
	proc.Register("record-writer", stream.RecordWriter)
	proc.Register("sigpipe-writer", stream.SigpipeWriter)
}

// spawnWriters starts n "fifo" peers that each open path for writing by
// name. The test holds a reader, so their opens return at once.
func spawnWriters(t *testing.T, path string, n int) []fifoPeer {
	t.Helper()
	var ws []fifoPeer
	for range n {
		w := spawnPeer(t, proc.PeerSpec{})
		w.open(t, path, "w")
		ws = append(ws, w)
	}
	return ws
}

// A reader sees end of file only once every writer process has closed the
// FIFO: with one writer left open, a read of the drained FIFO blocks.
func TestReadSeesEOFOnlyAfterEveryWriterProcessCloses(t *testing.T) {
	path := newFIFO(t, 0o600)
	r := openReader(t, path)
	writers := spawnWriters(t, path, 3)
	for i, w := range writers {
		w.must(t, fmt.Sprintf("write w%d", i), "wrote 2")
	}
	for _, w := range writers[:2] {
		w.Send(t, "exit")
		w.RequireExit(t, 0)
	}
	buf := make([]byte, 6)
	if err := sys.ReadFull(r, buf); err != nil || string(buf) != "w0w1w2" {
		t.Fatalf("read %q (%s), want %q", buf, sys.ErrnoName(err), "w0w1w2")
	}

	last := writers[2]
	got := sys.Blocks(t, "read of a drained FIFO with one writer still open",
		sys.IO(func() (int, error) { return sys.Read(r, buf) }),
		func() { last.must(t, "close", "closed") })
	if got.Err != nil || got.N != 0 {
		t.Fatalf("read after the last writer closed: %s, want 0 bytes (end of file)", got)
	}
}

// Writes of at most PIPE_BUF bytes are atomic: with several processes that
// opened the FIFO by name writing records of varied sizes up to PIPE_BUF at
// once, through a FIFO they fill many times over, the reader's byte stream
// is whole records only, each writer's in order, and ends once all exit.
func TestWritesUpToPIPE_BUFFromManyProcessesAreAtomic(t *testing.T) {
	const writers, count = 4, 256
	path := newFIFO(t, 0o600)
	r := openReader(t, path)
	var ws []*proc.Peer
	for i := range writers {
		w := proc.Spawn(t, "record-writer", proc.PeerSpec{Args: []string{
			"writer=" + strconv.Itoa(i), "count=" + strconv.Itoa(count),
			"max=" + strconv.Itoa(stream.PipeBuf), "path=" + path,
		}})
		w.Expect(t, "ready")
		ws = append(ws, w)
	}
	stream.RequireIntactRecords(t, r, ws, count)
}

// Once no process has the FIFO open for reading, a write raises SIGPIPE in
// the writer: with the default action it dies of it (through os.Stdout, and
// with SIG_DFL set behind Go's back); ignored or caught, and under Go's own
// handler for fds other than 1 and 2, the write fails with EPIPE.
func TestWriteWithNoReaderLeftRaisesSIGPIPE(t *testing.T) {
	path := newFIFO(t, 0o600)
	r := openReader(t, path)
	modes := []string{"stdout", "default", "ignore", "catch"}
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		modes = []string{"stdout", "ignore", "catch"} // no raw SIG_DFL there
	}
	writers := map[string]*proc.Peer{}
	for _, mode := range modes {
		w := proc.Spawn(t, "sigpipe-writer", proc.PeerSpec{Args: []string{"mode=" + mode, "path=" + path}})
		w.Expect(t, "ready")
		writers[mode] = w
	}
	goDefault := spawnWriters(t, path, 1)[0]
	sys.Close(r)

	for _, w := range writers {
		w.Send(t, "write")
	}
	goDefault.must(t, "write x", "EPIPE")
	want := map[string]string{"ignore": "err=EPIPE signal=-", "catch": "err=EPIPE signal=SIGPIPE"}
	for _, mode := range modes {
		w := writers[mode]
		if line, ok := want[mode]; ok {
			if got := w.Next(t); got != line {
				t.Errorf("writer with SIGPIPE %s: %q, want %q", mode, got, line)
			}
			w.RequireExit(t, 0)
			continue
		}
		w.RequireSignal(t, syscall.SIGPIPE)
	}

	// And no new writer can come without a reader.
	_, err := openFIFO(path, unix.O_WRONLY|unix.O_NONBLOCK)
	sys.RequireErrno(t, err, unix.ENXIO, "nonblocking open for writing after the reader left")
}
