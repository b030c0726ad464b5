package pipe

// O_ASYNC: the kernel signals the owner (F_SETOWN) of a pipe's read end
// when data arrives; F_SETSIG chooses the signal and adds the siginfo.

import (
	"fmt"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// siKernel is SI_KERNEL, the si_code of a signal the kernel sends on its
// own account (x/sys/unix lacks it).
const siKernel = 0x80

// pollIn is POLL_IN, the si_code of a signal for input that F_SETSIG chose.
const pollIn = 1

// sigioOwner starts a sigio-owner peer on the read end of a fresh pipe and
// returns it with the write end, which the test keeps.
func sigioOwner(t *testing.T, setsig int) (*proc.Peer, int) {
	t.Helper()
	r, w := sys.Pipe(t, 0)
	p := proc.Spawn(t, "sigio-owner", proc.PeerSpec{Files: []int{r}, Handoff: true, Args: []string{strconv.Itoa(setsig)}})
	p.Expect(t, "ready")
	return p, w
}

func TestOAsyncSignalsTheOwnerProcessWhenDataArrives(t *testing.T) {
	t.Run("SIGIO by default", func(t *testing.T) {
		p, w := sigioOwner(t, 0)
		// Nothing before data: a kernel that signalled on F_SETFL or on
		// anything else would show here.
		p.Must(t, "none", "quiet")
		writeAll(t, w, []byte("x"))
		p.Must(t, fmt.Sprintf("signo %d code %d fd 0", unix.SIGIO, siKernel), "await")
	})
	t.Run("F_SETSIG chooses the signal and gives the fd and POLL_IN", func(t *testing.T) {
		// A real-time signal, whose siginfo the kernel fills in.
		const rt = unix.Signal(40)
		p, w := sigioOwner(t, int(rt))
		p.Must(t, "none", "quiet")
		writeAll(t, w, []byte("x"))
		p.Must(t, fmt.Sprintf("signo %d code %d fd own", rt, pollIn), "await")
	})
}
