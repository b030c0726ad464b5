package fifo

// A blocking open interrupted by a signal: EINTR when the handler lacks
// SA_RESTART, a restarted open that goes on waiting when it has it.

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// interruptedOpener starts a peer whose blocking open for reading waits for
// a writer, shows it asleep in the open, and returns it with the thread
// that sleeps there.
func interruptedOpener(t *testing.T, path, restart string) (fifoPeer, int) {
	t.Helper()
	if !sys.SigactionKnown {
		t.Skipf("the kernel's struct sigaction is not written for this architecture")
	}
	p := spawnPeer(t, proc.PeerSpec{})
	p.Send(t, "interrupted "+path+" r "+restart)
	tid := p.Thread(t)
	p.RequireSilent(t, "blocking open for reading with no writer")
	sys.RequireKernelWait(t, p.Pid, func() { p.RequireSilent(t, "blocking open for reading with no writer") }, partnerWait)
	return p, tid
}

// The same SIGUSR1, aimed at the same sleeping thread, is what fails the
// open in the first case: in the second only the handler's SA_RESTART
// differs.
func TestBlockingOpenInterruptedBySignal(t *testing.T) {
	t.Run("without SA_RESTART it fails EINTR", func(t *testing.T) {
		path := newFIFO(t, 0o600)
		p, tid := interruptedOpener(t, path, "norestart")
		if err := unix.Tgkill(p.Pid, tid, unix.SIGUSR1); err != nil {
			t.Fatalf("tgkill: %s", sys.ErrnoName(err))
		}
		p.Expect(t, "EINTR after SIGUSR1")
		// The interrupted open left no reader behind: a writer finds none.
		_, err := openFIFO(path, unix.O_WRONLY|unix.O_NONBLOCK)
		sys.RequireErrno(t, err, unix.ENXIO, "nonblocking open for writing after the reader's open failed")
	})
	t.Run("with SA_RESTART it restarts and waits on for a writer", func(t *testing.T) {
		path := newFIFO(t, 0o600)
		p, tid := interruptedOpener(t, path, "restart")
		if err := unix.Tgkill(p.Pid, tid, unix.SIGUSR1); err != nil {
			t.Fatalf("tgkill: %s", sys.ErrnoName(err))
		}
		// The handler ran and the open went back to sleep.
		p.RequireSilent(t, "blocking open restarted after SIGUSR1")
		sys.RequireKernelWait(t, p.Pid, func() { p.RequireSilent(t, "blocking open restarted after SIGUSR1") }, partnerWait)
		mustOpen(t, path, unix.O_WRONLY|unix.O_NONBLOCK)
		p.Expect(t, "ok")
	})
}
