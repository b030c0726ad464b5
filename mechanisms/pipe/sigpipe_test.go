package pipe

// Writing with every read end closed: SIGPIPE to the writer, and EPIPE from
// the write when the signal does not kill it.

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// sigpipePeer starts a sigpipe-writer on the write end of a fresh pipe,
// closes the read end once the peer is ready, and tells the peer to write.
func sigpipePeer(t *testing.T, args ...string) *proc.Peer {
	t.Helper()
	r, w := sys.Pipe(t, 0)
	p := spawnSigpipeWriter(t, w, args...)
	sys.Close(r) // the only read end
	p.Send(t, "write")
	return p
}

// spawnSigpipeWriter starts a sigpipe-writer on w, handed off, and waits
// until it is ready.
func spawnSigpipeWriter(t *testing.T, w int, args ...string) *proc.Peer {
	t.Helper()
	p := proc.Spawn(t, "sigpipe-writer", proc.PeerSpec{Files: []int{w}, Handoff: true, Args: args})
	if got := p.Next(t); got == "unsupported" {
		t.Skipf("the raw SIG_DFL reset is not written for this architecture")
	} else if got != "ready" {
		t.Fatalf("peer said %q, want ready", got)
	}
	return p
}

func TestWriteWithNoReaderKillsWriterBySIGPIPEUnderDefaultAction(t *testing.T) {
	// Raw SIG_DFL: the kernel's own signal does the killing.
	p := sigpipePeer(t, "mode=default")
	p.RequireSignal(t, unix.SIGPIPE)
}

func TestWriteWithNoReaderKillsGoWriterBySIGPIPEOnStdout(t *testing.T) {
	// Go keeps the default action for fds 1 and 2 only.
	p := sigpipePeer(t, "mode=stdout")
	p.RequireSignal(t, unix.SIGPIPE)
}

func TestWriteWithNoReaderFailsEPIPEWhenSIGPIPEIgnored(t *testing.T) {
	p := sigpipePeer(t, "mode=ignore")
	p.Expect(t, "EPIPE signal=-")
	p.RequireExit(t, 0)
}

func TestWriteWithNoReaderFailsEPIPEAndDeliversSIGPIPEToHandler(t *testing.T) {
	p := sigpipePeer(t, "mode=catch")
	p.Expect(t, "EPIPE signal=SIGPIPE")
	p.RequireExit(t, 0)
}

func TestZeroLengthWriteWithNoReaderReturnsZeroWithoutSIGPIPE(t *testing.T) {
	// Linux returns before looking at the readers (POSIX leaves zero-length
	// writes to non-regular files unspecified). Default action: a SIGPIPE
	// would kill the peer.
	p := sigpipePeer(t, "mode=default", "size=0")
	p.Expect(t, "0 signal=-")
	p.RequireExit(t, 0)
	// And no signal is even generated for a catcher.
	p = sigpipePeer(t, "mode=catch", "size=0")
	p.Expect(t, "0 signal=none")
	p.RequireExit(t, 0)
}

func TestBlockedWriterFailsEPIPEWhenLastReaderPeerExits(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	reader := spawnEnd(t, r, false)
	capacity := pipeSize(t, w)
	writeAll(t, w, pattern(capacity))
	// The test process's Go runtime drops the SIGPIPE (fd > 2): EPIPE shows.
	res := sys.Blocks(t, "1-byte write into a full pipe",
		sys.IO(func() (int, error) { return sys.Write(w, []byte{1}) }),
		func() { reader.Send(t, "exit") })
	sys.RequireErrno(t, res.Err, unix.EPIPE, "blocked write after the last reader exited")
	reader.RequireExit(t, 0)
}

func TestBlockedLargeWriteReturnsPartialCountWhenLastReaderPeerExits(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	reader := spawnEnd(t, r, false)
	capacity := pipeSize(t, w)
	// One write(2) of twice the capacity: the first half goes in, then it
	// waits for room.
	res := sys.Blocks(t, "write of twice the capacity",
		sys.IO(func() (int, error) { return writeSignalsBlocked(w, pattern(2*capacity)) }),
		func() { reader.Send(t, "exit") })
	if res != (sys.Result{N: capacity}) {
		t.Fatalf("blocked write when the reader exited: got %s, want the %d bytes already written", res, capacity)
	}
	_, err := sys.Write(w, []byte{1})
	sys.RequireErrno(t, err, unix.EPIPE, "next write with no reader")
	reader.RequireExit(t, 0)
}

// A writer already asleep on a full pipe is not only woken with EPIPE: it
// gets SIGPIPE too, and under the default action dies of it. A kernel that
// only failed the write would let the peer exit 0 after telling EPIPE.
func TestBlockedWriterIsKilledBySIGPIPEWhenLastReaderLeaves(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	writeAll(t, w, pattern(pipeSize(t, w)))
	p := spawnSigpipeWriter(t, w, "mode=default")
	p.Send(t, "write")
	p.RequireSilent(t, "1-byte write into a full pipe")
	sys.RequireKernelWait(t, p.Pid, func() { p.RequireSilent(t, "1-byte write into a full pipe") }, pipeWriteWaits...)
	sys.Close(r) // the only read end
	p.RequireSignal(t, unix.SIGPIPE)
}

// The kernel functions a writer on a full pipe sleeps in (fs/pipe.c), by
// their names before and after anonymous pipes got write functions of
// their own.
var pipeWriteWaits = []string{"pipe_write", "anon_pipe_write"}
