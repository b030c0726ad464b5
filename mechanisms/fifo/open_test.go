package fifo

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A blocking open for reading waits until some process opens for writing.
// While it waits it already counts as a reader: a nonblocking open for
// writing, which needs a reader, succeeds and releases it.
func TestOpenForReadingBlocksUntilAWriterOpens(t *testing.T) {
	path := newFIFO(t, 0o600)
	reader := spawnPeer(t, proc.PeerSpec{})
	reader.startOpen(t, path, "r")
	reader.RequireSilent(t, "open for reading with no writer")
	sys.RequireKernelWait(t, reader.Pid, func() { reader.RequireSilent(t, "open for reading with no writer") }, partnerWait)

	w := mustOpen(t, path, unix.O_WRONLY|unix.O_NONBLOCK)
	reader.Expect(t, "ok") // its open returned
	mustWrite(t, w, "hi")
	reader.Must(t, "hi", "read 8")
}

// A blocking open for writing waits until some process opens for reading;
// a nonblocking open for reading in another process releases it.
func TestOpenForWritingBlocksUntilAReaderOpens(t *testing.T) {
	path := newFIFO(t, 0o600)
	pending := sys.Start("open for writing with no reader", func() sys.Result {
		fd, err := openFIFO(path, unix.O_WRONLY)
		return sys.Result{N: fd, Err: err}
	})
	pending.RequireBlocked(t)
	sys.RequireKernelWait(t, os.Getpid(), func() { pending.RequireBlocked(t) }, partnerWait)

	reader := spawnPeer(t, proc.PeerSpec{})
	reader.open(t, path, "r,nb")
	r := pending.Wait(t)
	if r.Err != nil {
		t.Fatalf("open for writing, once a reader came: %s", sys.ErrnoName(r.Err))
	}
	w := sys.Own(t, r.N)
	mustWrite(t, w, "hi")
	reader.Must(t, "hi", "read 8")
}

// With O_NONBLOCK, an open for reading returns at once without a writer,
// and an open for writing fails with ENXIO unless a reader has it open;
// other writers do not count.
func TestNonblockingOpenReadSucceedsWriteNeedsReaderENXIO(t *testing.T) {
	path := newFIFO(t, 0o600)
	_, err := openFIFO(path, unix.O_WRONLY|unix.O_NONBLOCK)
	sys.RequireErrno(t, err, unix.ENXIO, "nonblocking open for writing, no reader")

	r := sys.Start("nonblocking open for reading, no writer", func() sys.Result {
		fd, err := openFIFO(path, unix.O_RDONLY|unix.O_NONBLOCK)
		return sys.Result{N: fd, Err: err}
	}).Wait(t)
	if r.Err != nil {
		t.Fatalf("nonblocking open for reading, no writer: %s", sys.ErrnoName(r.Err))
	}
	rfd := sys.Own(t, r.N)

	mustOpen(t, path, unix.O_WRONLY|unix.O_NONBLOCK) // a reader exists now
	sys.Close(rfd)
	_, err = openFIFO(path, unix.O_WRONLY|unix.O_NONBLOCK)
	sys.RequireErrno(t, err, unix.ENXIO, "nonblocking open for writing, only a writer left")
}

// On Linux an O_RDWR open never waits (POSIX leaves it undefined): the fd
// is its own reader and writer, so a lone process can talk to itself, and
// its read of an empty FIFO blocks rather than seeing end of file.
func TestOpenReadWriteDoesNotBlockAndIsItsOwnWriter(t *testing.T) {
	path := newFIFO(t, 0o600)
	r := sys.Start("O_RDWR open with no other opener", func() sys.Result {
		fd, err := openFIFO(path, unix.O_RDWR)
		return sys.Result{N: fd, Err: err}
	}).Wait(t)
	if r.Err != nil {
		t.Fatalf("O_RDWR open: %s", sys.ErrnoName(r.Err))
	}
	fd := sys.Own(t, r.N)
	mustWrite(t, fd, "self")
	mustRead(t, fd, "self")

	buf := make([]byte, 8)
	got := sys.Blocks(t, "read of an empty FIFO by its only (O_RDWR) opener",
		sys.IO(func() (int, error) { return sys.Read(fd, buf) }),
		func() { mustWrite(t, fd, "x") })
	if got.Err != nil || got.N != 1 || buf[0] != 'x' {
		t.Fatalf("blocked read returned %s %q, want the 1 byte written after", got, buf[:max(got.N, 0)])
	}
}
