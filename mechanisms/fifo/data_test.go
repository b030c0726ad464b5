package fifo

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/stream"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The FIFO's data lives in a pipe that exists only while some process has
// the FIFO open, at either end. Once every process has closed it the data
// is gone, though the file stays until unlinked. The exact rule for a
// nonblocking read of the empty FIFO: 0 (end of file) while no writer has it
// open, EAGAIN while one has.
func TestDataLivesOnlyWhileSomeProcessHoldsTheFIFOOpen(t *testing.T) {
	path := newFIFO(t, 0o600)
	r := mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
	writer := spawnPeer(t, proc.PeerSpec{})
	writer.open(t, path, "w")
	writer.Must(t, "3", "write abc")

	// The reader leaves, the writer stays: the data stays.
	sys.Close(r)
	r = mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
	if n := queued(t, r); n != 3 {
		t.Fatalf("reader reopened while the writer held the FIFO: %d bytes queued, want 3", n)
	}
	// The writer leaves, the reader stays: the data stays.
	writer.Must(t, "ok", "close")
	if n := queued(t, r); n != 3 {
		t.Fatalf("after the writer closed: %d bytes queued, want 3", n)
	}

	// Nobody holds it: the data is gone.
	sys.Close(r)
	r = mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
	if n := queued(t, r); n != 0 {
		t.Fatalf("reopened after every process closed it: %d bytes queued, want 0", n)
	}
	buf := make([]byte, 8)
	n, err := sys.Read(r, buf)
	if n != 0 || err != nil {
		t.Fatalf("nonblocking read, empty, no writer: %s, want 0 bytes (end of file)", sys.Result{N: n, Err: err})
	}
	w := mustOpen(t, path, unix.O_WRONLY|unix.O_NONBLOCK)
	_, err = sys.Read(r, buf)
	sys.RequireErrno(t, err, unix.EAGAIN, "nonblocking read, empty, a writer open")

	// The file itself outlives its data, until unlink.
	sys.Close(r)
	sys.Close(w)
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO || st.Size != 0 {
		t.Fatalf("stat after every close: mode %#o size %d (%s), want a FIFO of size 0", st.Mode, st.Size, sys.ErrnoName(err))
	}
	if err := unix.Unlink(path); err != nil {
		t.Fatalf("unlink: %s", sys.ErrnoName(err))
	}
	sys.RequireErrno(t, unix.Stat(path, &st), unix.ENOENT, "stat after unlink")
}

// A FIFO has no file position: lseek, pread and pwrite fail with ESPIPE.
func TestSeekAndPositionalIOFailESPIPE(t *testing.T) {
	for _, c := range stream.PositionCalls() {
		t.Run(c.Rule, func(t *testing.T) {
			path := newFIFO(t, 0o600)
			r := mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
			w := mustOpen(t, path, unix.O_WRONLY|unix.O_NONBLOCK)
			mustWrite(t, w, "data")
			sys.RequireErrno(t, c.Call(r, w), unix.ESPIPE, c.Rule)
			mustRead(t, r, "data") // and the failed call moved nothing
		})
	}
}

// fstat of an open FIFO reports S_IFIFO, size 0 even with data queued, and
// the inode of the file on disk (a pipe(2) end has an anonymous one).
func TestFstatReportsFIFOOfSizeZeroWhileDataIsQueued(t *testing.T) {
	path := newFIFO(t, 0o640)
	r := mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
	w := mustOpen(t, path, unix.O_WRONLY|unix.O_NONBLOCK)
	mustWrite(t, w, "queued")
	if n := queued(t, r); n != 6 {
		t.Fatalf("FIONREAD: %d, want 6", n)
	}
	var disk unix.Stat_t
	if err := unix.Stat(path, &disk); err != nil {
		t.Fatalf("stat: %s", sys.ErrnoName(err))
	}
	for _, fd := range []int{r, w} {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			t.Fatalf("fstat: %s", sys.ErrnoName(err))
		}
		if st.Mode != unix.S_IFIFO|0o640 || st.Size != 0 || st.Ino != disk.Ino || st.Dev != disk.Dev {
			t.Fatalf("fstat fd %d: mode %#o size %d inode %d:%d; want mode %#o, size 0, inode %d:%d",
				fd, st.Mode, st.Size, st.Dev, st.Ino, unix.S_IFIFO|0o640, disk.Dev, disk.Ino)
		}
	}
}

// Unlinking a FIFO removes the name only: fds already open keep the same
// pipe working between processes, while a new FIFO made at the same path is
// a different one.
func TestUnlinkedFIFOKeepsWorkingForOpenFds(t *testing.T) {
	path := newFIFO(t, 0o600)
	r := openReader(t, path)
	writer := spawnPeer(t, proc.PeerSpec{})
	writer.open(t, path, "w")
	if err := unix.Unlink(path); err != nil {
		t.Fatalf("unlink: %s", sys.ErrnoName(err))
	}
	var st unix.Stat_t
	if err := unix.Fstat(r, &st); err != nil || st.Nlink != 0 {
		t.Fatalf("fstat after unlink: nlink %d (%s), want 0", st.Nlink, sys.ErrnoName(err))
	}

	writer.Must(t, "12", "write after-unlink")
	mustRead(t, r, "after-unlink")

	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("mkfifo at the old path: %s", sys.ErrnoName(err))
	}
	writer.Must(t, "ENXIO", "try %s w,nb", path) // our reader is not the new FIFO's
	writer.Must(t, "5", "write still")
	mustRead(t, r, "still")
}

// The pipe capacity belongs to the pipe behind the open FIFO: a size set
// through one fd shows through another process's independent open, and is
// back to the default once every opener has closed.
func TestPipeSizeIsSharedByOpenersAndResetWhenAllClose(t *testing.T) {
	path := newFIFO(t, 0o600)
	def := 16 * unix.Getpagesize() // PIPE_DEF_BUFFERS pages, below pipe-max-size
	r := mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
	if got, err := unix.FcntlInt(uintptr(r), unix.F_GETPIPE_SZ, 0); err != nil || got != def {
		t.Fatalf("F_GETPIPE_SZ of a new FIFO: %d (%s), want %d", got, sys.ErrnoName(err), def)
	}
	const big = 1 << 18
	if got, err := unix.FcntlInt(uintptr(r), unix.F_SETPIPE_SZ, big); err != nil || got != big {
		t.Fatalf("F_SETPIPE_SZ %d: %d (%s)", big, got, sys.ErrnoName(err))
	}

	// A writer in another process fills the FIFO: it takes big bytes now.
	writer := spawnPeer(t, proc.PeerSpec{})
	writer.open(t, path, "w,nb")
	writer.Must(t, "ok", "fill 64 4096") // 256 KiB, and no one reads
	if n := queued(t, r); n != big {
		t.Fatalf("queued after the writer filled it: %d, want %d", n, big)
	}
	if got := writer.Ask(t, "write x"); got != "EAGAIN" {
		t.Fatalf("nonblocking write into the full FIFO: %s, want EAGAIN", got)
	}

	writer.Must(t, "ok", "close")
	sys.Close(r)
	r = mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
	if got, err := unix.FcntlInt(uintptr(r), unix.F_GETPIPE_SZ, 0); err != nil || got != def {
		t.Fatalf("F_GETPIPE_SZ after every opener closed: %d (%s), want the default %d", got, sys.ErrnoName(err), def)
	}
}

// poll on a FIFO reader reports POLLHUP only when no writer has it open now
// and one has come since this reader opened: a reader that never saw a
// writer just waits, unlike the read end of a pipe(2) whose writer closed.
func TestPollReaderHangsUpOnlyAfterAWriterHasLeft(t *testing.T) {
	path := newFIFO(t, 0o600)
	r := mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
	requireRevents(t, r, 0, "no writer yet")

	writer := spawnPeer(t, proc.PeerSpec{})
	rev := sys.Blocks(t, "poll of a reader with no writer yet", func() int16 {
		rev, err := sys.Revents(r, unix.POLLIN, -1)
		if err != nil {
			return -1
		}
		return rev
	}, func() {
		writer.open(t, path, "w")
		writer.Must(t, "1", "write x")
	})
	if rev != unix.POLLIN {
		t.Fatalf("poll woken by a write: revents %#x, want POLLIN", rev)
	}
	writer.Must(t, "ok", "close")
	requireRevents(t, r, unix.POLLIN|unix.POLLHUP, "data left, writer gone")
	mustRead(t, r, "x")
	requireRevents(t, r, unix.POLLHUP, "empty, writer gone")

	late := mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
	requireRevents(t, late, 0, "reader opened after the writer left")
	writer.open(t, path, "w") // a writer is back: no hangup for anyone
	requireRevents(t, r, 0, "a new writer came")
}

// requireRevents polls fd for POLLIN without waiting and fails unless the
// revents are exactly want.
func requireRevents(t *testing.T, fd int, want int16, when string) {
	t.Helper()
	rev, err := sys.Revents(fd, unix.POLLIN, 0)
	if err != nil {
		t.Fatalf("poll (%s): %s", when, sys.ErrnoName(err))
	}
	if rev != want {
		t.Fatalf("poll (%s): revents %#x, want %#x", when, rev, want)
	}
}
