package signals

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A caught signal that arrives while a call sleeps (man 7 signal,
// "Interruption of system calls and library functions by signal
// handlers"): under SA_RESTART a read(2) of a pipe is restarted, sleeps on
// after the handler ran and returns the data a later write brings; without
// SA_RESTART it fails with EINTR; epoll_wait fails with EINTR even under
// SA_RESTART. The peer catches SIGUSR1 with the Go runtime's handler,
// which the runtime installs with SA_RESTART, and reports whether the
// handler ran; the test aims the signal at the sleeping thread (tgkill).
func TestSARestart(t *testing.T) {
	for _, c := range []struct {
		rule, call string
		restart    bool
		want       string
	}{
		{"pipe_read_restarted_under_SA_RESTART", "intr-read", true, "returned 1 after caught 10"},
		{"pipe_read_EINTR_without_SA_RESTART", "intr-read", false, "EINTR after caught 10"},
		{"epoll_wait_EINTR_despite_SA_RESTART", "intr-epoll", true, "EINTR after caught 10"},
	} {
		t.Run(c.rule, func(t *testing.T) {
			r, w := sys.Pipe(t, 0)
			peer := spawnBlocking(t, proc.PeerSpec{Files: []int{r}})
			peer.Must(t, "ok", "notify %d", unix.SIGUSR1)
			if !c.restart {
				peer.Must(t, "ok", "norestart %d", unix.SIGUSR1)
			}
			peer.Send(t, c.call)
			tid := peer.Thread(t)
			peer.RequireSilent(t, c.call+" of an empty pipe")
			if err := unix.Tgkill(peer.Pid, tid, unix.SIGUSR1); err != nil {
				t.Fatalf("tgkill: %s", sys.ErrnoName(err))
			}
			if c.restart && c.call == "intr-read" {
				peer.RequireSilent(t, "read restarted after the handler")
				if _, err := unix.Write(w, []byte("x")); err != nil {
					t.Fatalf("write: %s", sys.ErrnoName(err))
				}
			}
			peer.Expect(t, c.want)
		})
	}
}

// SA_RESETHAND resets the disposition to SIG_DFL as the signal is
// delivered (man 2 sigaction): the first SIGUSR1 is caught, the handler
// then reads SIG_DFL, and a second SIGUSR1 kills the peer. A kernel that
// kept the handler would have the peer catch the second one too.
func TestSAResetHand(t *testing.T) {
	peer := spawnBlocking(t, proc.PeerSpec{})
	peer.Must(t, "ok", "notify %d", unix.SIGUSR1)
	peer.Must(t, "handler", "handler %d", unix.SIGUSR1)
	peer.Must(t, "ok", "resethand %d", unix.SIGUSR1)
	mustKill(t, peer.Pid, unix.SIGUSR1)
	peer.Must(t, "caught 10", "caught")
	peer.Must(t, "dfl", "handler %d", unix.SIGUSR1)
	mustKill(t, peer.Pid, unix.SIGUSR1)
	peer.RequireSignal(t, unix.SIGUSR1)
}
