package helpers_test

import (
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func TestMain(m *testing.M) { proc.Main(m) }

func init() {
	proc.Register("exit", func(args []string) int {
		proc.Tell("hello")
		proc.AwaitLine("bye")
		return 7
	})
	proc.Register("self-kill", func([]string) int {
		unix.Kill(os.Getpid(), unix.SIGTERM)
		select {} // SIGTERM's default action ends the process
	})
	proc.Register("hold-write-end", func([]string) int {
		proc.Tell("holding")
		proc.AwaitLine("close")
		proc.Check(sys.Close(proc.PeerFD(0)), "close write end")
		proc.Tell("closed")
		proc.AwaitLine("exit")
		return 0
	})
}

func TestPeerExitCodeAndControlLines(t *testing.T) {
	p := proc.Spawn(t, "exit", proc.PeerSpec{})
	p.Expect(t, "hello")
	p.RequireSilent(t, "peer awaiting a line")
	p.Send(t, "bye")
	if got := p.Wait(t); got != (proc.Exit{Code: 7}) {
		t.Fatalf("peer ended with %s, want exit code 7", got)
	}
}

func TestPeerKilledBySignalIsReported(t *testing.T) {
	p := proc.Spawn(t, "self-kill", proc.PeerSpec{})
	p.RequireSignal(t, syscall.SIGTERM)
}

// The peer holds the only other write end; Blocks shows the read waits for
// it and returns end of file once the peer closes it.
func TestBlocksSeesReadWaitForPeerClose(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := proc.Spawn(t, "hold-write-end", proc.PeerSpec{Files: []int{w}, Handoff: true})
	p.Expect(t, "holding")
	buf := make([]byte, 1)
	res := sys.Blocks(t, "read with a writer in the peer",
		sys.IO(func() (int, error) { return sys.Read(r, buf) }),
		func() { p.Send(t, "close"); p.Expect(t, "closed") })
	if res.Err != nil || res.N != 0 {
		t.Fatalf("read after the last writer closed: %s, want 0 bytes (EOF)", res)
	}
	p.Send(t, "exit")
	p.RequireExit(t, 0)
}

func TestKernelVersionGate(t *testing.T) {
	if !sys.KernelAtLeast("2.6") {
		t.Fatalf("running %s, which is not older than 2.6", sys.KernelRelease())
	}
	if sys.KernelAtLeast("999.0") {
		t.Fatal("KernelAtLeast(999.0) is true")
	}
}

// A cleanup must not close a number that the test closed by hand and that
// a later fd reused.
func TestOwnedFdIsClosedOnce(t *testing.T) {
	var r, reused int
	t.Run("inner", func(t *testing.T) {
		var w int
		r, w = sys.Pipe(t, 0)
		if err := sys.Close(w); err != nil {
			t.Fatal(err)
		}
		// Put another file at w's number, owned by nobody's cleanup.
		if err := unix.Dup3(r, w, unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		reused = w
	})
	defer unix.Close(reused)
	if _, err := unix.FcntlInt(uintptr(r), unix.F_GETFD, 0); err != unix.EBADF {
		t.Fatalf("fd %d still open after its test ended: %s", r, sys.ErrnoName(err))
	}
	if _, err := unix.FcntlInt(uintptr(reused), unix.F_GETFD, 0); err != nil {
		t.Fatalf("the cleanup closed fd %d, which the test had closed and another file reused: %s", reused, sys.ErrnoName(err))
	}
}
