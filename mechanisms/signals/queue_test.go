package signals

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A standard signal sent three times while the receiver blocks it is
// pending once and delivered once: the kernel keeps one bit per standard
// signal (man 7 signal). A kernel that queued standard signals would hand
// the peer a second record.
func TestStandardSignalsCoalesce(t *testing.T) {
	peer := spawnBlocking(t, proc.PeerSpec{}, unix.SIGUSR1)
	for range 3 {
		mustKill(t, peer.Pid, unix.SIGUSR1)
	}
	peer.Must(t, "10", "pending")
	peer.Must(t, fromTest(unix.SIGUSR1, SiUser, 0), "read")
	peer.Must(t, "none", "none")
	peer.Must(t, "none", "pending")
}

// Real-time signals all queue: every one sent while blocked is delivered,
// the lowest-numbered signal first and, within one signal, in the order
// sent, each with the value sigqueue gave it (man 7 signal, "Real-time
// signals"). The values tell a lost, merged or reordered signal apart.
func TestRealtimeSignalsQueue(t *testing.T) {
	t.Run("lowest_number_first_then_in_order_sent", func(t *testing.T) {
		peer := spawnBlocking(t, proc.PeerSpec{}, RTMin, RTMin+1, RTMin+2)
		sent := []struct {
			sig   unix.Signal
			value uint64
		}{{RTMin + 2, 1}, {RTMin, 2}, {RTMin + 2, 3}, {RTMin + 1, 4}, {RTMin, 5}}
		for _, s := range sent {
			mustQueue(t, peer.Pid, s.sig, s.value)
		}
		peer.Must(t, "35,36,37", "pending")
		for _, want := range []struct {
			sig   unix.Signal
			value uint64
		}{{RTMin, 2}, {RTMin, 5}, {RTMin + 1, 4}, {RTMin + 2, 1}, {RTMin + 2, 3}} {
			peer.Must(t, fromTest(want.sig, SiQueue, want.value), "read")
		}
		peer.Must(t, "none", "none")
	})
	t.Run("kill_queues_them_too", func(t *testing.T) {
		peer := spawnBlocking(t, proc.PeerSpec{}, RTMin)
		mustKill(t, peer.Pid, RTMin)
		mustKill(t, peer.Pid, RTMin)
		peer.Must(t, fromTest(RTMin, SiUser, 0), "read")
		peer.Must(t, fromTest(RTMin, SiUser, 0), "read")
		peer.Must(t, "none", "none")
	})
}

// Who sent a signal (man 2 rt_sigqueueinfo, man 2 kill): kill fills in
// si_pid and si_uid itself, the sender's pid and real uid (the test runs
// as root and the receiver as another user, so the receiver's own uid
// would show); rt_sigqueueinfo passes on what the sender wrote, which
// glibc's sigqueue sets to its own pid and uid and the kernel does not
// check; a sender may not give another process a positive si_code (which
// the kernel reserves for itself) or SI_TKILL (tgkill's): EPERM.
func TestSenderIdentity(t *testing.T) {
	t.Run("kill_fills_in_the_sender", func(t *testing.T) {
		peer := spawnBlocking(t, proc.PeerSpec{Credential: sys.OtherUID(t)}, unix.SIGUSR2)
		mustKill(t, peer.Pid, unix.SIGUSR2)
		peer.Must(t, record(int(unix.SIGUSR2), SiUser, unix.Getpid(), unix.Getuid(), 0), "read")
	})
	t.Run("sigqueueinfo_passes_what_the_sender_wrote", func(t *testing.T) {
		peer := spawnBlocking(t, proc.PeerSpec{}, RTMin)
		info := &Siginfo{Signo: int32(RTMin), Code: SiQueue, Pid: 1, Uid: 4242, Value: 0x1234_5678_9abc_def0}
		if err := Queue(peer.Pid, RTMin, info); err != nil {
			t.Fatalf("rt_sigqueueinfo: %s", sys.ErrnoName(err))
		}
		peer.Must(t, record(int(RTMin), SiQueue, 1, 4242, 0x1234_5678_9abc_def0), "read")
	})
	for _, c := range []struct {
		rule string
		code int32
	}{{"positive_si_code_EPERM", SiUser}, {"si_code_SI_TKILL_EPERM", SiTkill}} {
		t.Run(c.rule, func(t *testing.T) {
			peer := spawnBlocking(t, proc.PeerSpec{}, RTMin)
			info := queued(RTMin, 1)
			info.Code = c.code
			sys.RequireErrno(t, Queue(peer.Pid, RTMin, info), unix.EPERM, "rt_sigqueueinfo to another process")
			peer.Must(t, "none", "none")
		})
	}
}
