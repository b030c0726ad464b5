package signals

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// kill with signal 0 sends nothing and only checks (man 2 kill): 0 for a
// live process one may signal (which receives nothing), ESRCH once the
// process has been reaped, and EPERM from a process of another uid that
// may not signal the target (root's test process, as uid 65534), while
// the same peer may probe itself.
func TestKillZeroProbes(t *testing.T) {
	t.Run("live_process_0_and_nothing_sent", func(t *testing.T) {
		peer := spawnBlocking(t, proc.PeerSpec{}, unix.SIGUSR1)
		if err := unix.Kill(peer.Pid, 0); err != nil {
			t.Fatalf("kill(%d, 0): %s", peer.Pid, sys.ErrnoName(err))
		}
		peer.Must(t, "none", "pending")
	})
	t.Run("reaped_process_ESRCH", func(t *testing.T) {
		peer := spawnBlocking(t, proc.PeerSpec{})
		peer.Send(t, "exit")
		peer.RequireExit(t, 0)
		sys.RequireErrno(t, unix.Kill(peer.Pid, 0), unix.ESRCH, "kill(reaped pid, 0)")
	})
	t.Run("other_uid_EPERM", func(t *testing.T) {
		peer := spawnBlocking(t, proc.PeerSpec{Credential: sys.OtherUID(t)})
		peer.Must(t, "EPERM", "kill %d 0", unix.Getpid())
		peer.Must(t, "ok", "kill %d 0", peer.Pid)
	})
}

// pidfd_send_signal (5.1) signals the process a pidfd refers to, with the
// siginfo kill would give; once that process has been reaped it fails
// with ESRCH, whatever process may get the pid next, where kill by pid
// could reach the newcomer (man 2 pidfd_send_signal). The pidfd comes
// from pidfd_open (5.3).
func TestPidfdSendSignal(t *testing.T) {
	peer := spawnBlocking(t, proc.PeerSpec{}, unix.SIGUSR1)
	pidfd, err := unix.PidfdOpen(peer.Pid, 0)
	sys.RequireFeature(t, "5.3", "pidfd_open", err, unix.ENOSYS)
	sys.Own(t, pidfd)
	err = offMainThread(func() error { return unix.PidfdSendSignal(pidfd, unix.SIGUSR1, nil, 0) })
	sys.RequireFeature(t, "5.1", "pidfd_send_signal", err, unix.ENOSYS)
	peer.Must(t, fromTest(unix.SIGUSR1, SiUser, 0), "read")
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	sys.RequireErrno(t, unix.PidfdSendSignal(pidfd, unix.SIGUSR1, nil, 0), unix.ESRCH, "pidfd_send_signal after the process was reaped")
}
