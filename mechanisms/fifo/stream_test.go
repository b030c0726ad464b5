package fifo

import (
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/stream"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

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
		w.Must(t, "2", "write w%d", i)
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
		func() { last.Must(t, "ok", "close") })
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
	type writer struct {
		mode, rule string
		answer     string // "" when SIGPIPE kills it
		peer       *proc.Peer
	}
	writers := []*writer{
		{mode: "stdout", rule: "the default action on stdout kills the writer"},
		{mode: "default", rule: "the default action set behind Go's back kills the writer"},
		{mode: "ignore", rule: "ignored, the write fails with EPIPE", answer: "EPIPE signal=-"},
		{mode: "catch", rule: "caught, the write fails with EPIPE and the handler sees it", answer: "EPIPE signal=SIGPIPE"},
	}
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		writers = slices.DeleteFunc(writers, func(w *writer) bool { return w.mode == "default" }) // no raw SIG_DFL there
	}
	for _, w := range writers {
		w.peer = proc.Spawn(t, "sigpipe-writer", proc.PeerSpec{Args: []string{"mode=" + w.mode, "path=" + path}})
		w.peer.Expect(t, "ready")
	}
	goDefault := spawnWriters(t, path, 1)[0]
	sys.Close(r)

	for _, w := range writers {
		w.peer.Send(t, "write")
	}
	for _, w := range writers {
		t.Run(w.rule, func(t *testing.T) {
			if w.answer == "" {
				w.peer.RequireSignal(t, syscall.SIGPIPE)
				return
			}
			if got := w.peer.Next(t); got != w.answer {
				t.Errorf("writer with SIGPIPE %s: %q, want %q", w.mode, got, w.answer)
			}
			w.peer.RequireExit(t, 0)
		})
	}
	t.Run("under Go's own handler, the write fails with EPIPE", func(t *testing.T) {
		goDefault.Must(t, "EPIPE", "write x")
	})
	t.Run("no new writer without a reader", func(t *testing.T) {
		_, err := openFIFO(path, unix.O_WRONLY|unix.O_NONBLOCK)
		sys.RequireErrno(t, err, unix.ENXIO, "nonblocking open for writing after the reader left")
	})
}
