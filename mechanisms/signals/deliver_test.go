package signals

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// A blocked signal stays pending (sigpending shows it, and its default
// action, termination, has not happened) until the receiver unblocks it,
// which delivers it at once: the peer dies of it in the sigprocmask call
// (man 7 signal, "Signal mask and pending signals"). A kernel that
// delivered through the mask would end the peer before it answered.
func TestBlockedSignalPendsUntilUnblocked(t *testing.T) {
	peer := spawnBlocking(t, proc.PeerSpec{}, unix.SIGUSR1)
	peer.Must(t, "ok", "sigaction %d dfl", unix.SIGUSR1)
	mustKill(t, peer.Pid, unix.SIGUSR1)
	peer.Must(t, "10", "pending")
	peer.Must(t, "pong", "ping")
	peer.Send(t, "unblock 10")
	peer.RequireSignal(t, unix.SIGUSR1)
}

// A signal to a process is pending for the process, and any of its
// threads takes it; a signal to a thread (tgkill) is pending for that
// thread only, and no other thread takes it (man 2 tgkill, man 2
// signalfd: a read returns the reader's own signals and its process's).
// Every thread of the peer blocks the signal, so the signalfd reads on
// two locked threads show where the kernel queued it.
func TestSignalTarget(t *testing.T) {
	t.Run("tgkill_only_for_that_thread", func(t *testing.T) {
		peer := spawnBlocking(t, proc.PeerSpec{}, unix.SIGUSR2)
		peer.Send(t, "lock")
		peer.Thread(t)
		peer.Send(t, "spare")
		spare := peer.Thread(t)
		if err := offMainThread(func() error { return unix.Tgkill(peer.Pid, spare, unix.SIGUSR2) }); err != nil {
			t.Fatalf("tgkill: %v", err)
		}
		peer.Must(t, "none", "none")
		peer.Must(t, fromTest(unix.SIGUSR2, SiTkill, 0), "read-spare")
	})
	t.Run("kill_for_any_thread", func(t *testing.T) {
		peer := spawnBlocking(t, proc.PeerSpec{}, unix.SIGUSR2)
		peer.Send(t, "lock")
		peer.Thread(t)
		peer.Send(t, "spare")
		peer.Thread(t)
		mustKill(t, peer.Pid, unix.SIGUSR2)
		peer.Must(t, fromTest(unix.SIGUSR2, SiUser, 0), "read-spare")
		mustKill(t, peer.Pid, unix.SIGUSR2)
		peer.Must(t, fromTest(unix.SIGUSR2, SiUser, 0), "read")
	})
}

// kill with a negative pid signals every member of that process group,
// and no process outside it (man 2 kill). Two peers form a group of their
// own; a third stays in the test's group.
func TestProcessGroupSignal(t *testing.T) {
	leader := spawnBlocking(t, proc.PeerSpec{}, unix.SIGUSR1)
	member := spawnBlocking(t, proc.PeerSpec{}, unix.SIGUSR1)
	outsider := spawnBlocking(t, proc.PeerSpec{}, unix.SIGUSR1)
	leader.Must(t, "ok", "setpgid 0")
	member.Must(t, "ok", "setpgid %d", leader.Pid)
	mustKill(t, -leader.Pid, unix.SIGUSR1)
	leader.Must(t, fromTest(unix.SIGUSR1, SiUser, 0), "read")
	member.Must(t, fromTest(unix.SIGUSR1, SiUser, 0), "read")
	outsider.Must(t, "none", "none")
}
