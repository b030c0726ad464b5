package signals

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// RLIMIT_SIGPENDING bounds the signals queued for the receiver's user
// (man 2 getrlimit, man 2 sigqueue): with a limit of 4 set by the
// receiver, a fifth rt_sigqueueinfo fails with EAGAIN. kill may not fail
// so (kernel/signal.c): over the limit it returns 0 but queues no siginfo,
// only the pending bit, so a real-time signal already pending absorbs it,
// and one that was not arrives bare (SI_USER, pid 0, uid 0). The count is
// the receiving user's, machine-wide: the receiver runs as a uid of its own
// (no account, no other process), so that no other test's pending signals
// share it.
func TestSigpendingLimit(t *testing.T) {
	const limit = 4
	cred := sys.OtherUID(t)
	cred.Uid = uint32(200000 + os.Getpid()%100000)
	peer := spawnBlocking(t, proc.PeerSpec{Credential: cred}, RTMin, RTMin+1)
	peer.Must(t, "ok", "rlimit sigpending %d", limit)
	for i := range limit {
		mustQueue(t, peer.Pid, RTMin, uint64(i+1))
	}
	sys.RequireErrno(t, Queue(peer.Pid, RTMin, queued(RTMin, limit+1)), unix.EAGAIN, "rt_sigqueueinfo over RLIMIT_SIGPENDING")
	mustKill(t, peer.Pid, RTMin+1)
	mustKill(t, peer.Pid, RTMin)
	for i := range limit {
		peer.Must(t, fromTest(RTMin, SiQueue, uint64(i+1)), "read")
	}
	peer.Must(t, record(int(RTMin+1), SiUser, 0, 0, 0), "read")
	peer.Must(t, "none", "none")
}

// A signalfd is pollable (man 2 signalfd): poll blocks while none of its
// signals is pending and reports POLLIN once one is.
func TestSignalfdIsPollable(t *testing.T) {
	peer := spawnBlocking(t, proc.PeerSpec{}, unix.SIGUSR1)
	peer.Start(t, "poll")
	peer.RequireSilent(t, "poll on a signalfd with nothing pending")
	mustKill(t, peer.Pid, unix.SIGUSR1)
	peer.Expect(t, strconv.Itoa(unix.POLLIN))
	peer.Must(t, fromTest(unix.SIGUSR1, SiUser, 0), "read")
}
