package helpers_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A wake-up that never comes fails within WakeBound, not at the deadline:
// for a call in the test process and for a peer. The control runs on a
// time scale cut to a fraction, so that it costs little under emulation
// too: a wait that must end in failure cannot be cut short by a slow
// machine, and the peer still has the deadline to start.
func TestNegativeControlMissingWakeUp(t *testing.T) {
	scale := max(float64(sys.Scale(time.Second))/float64(time.Second)/20, 0.1)
	t.Setenv("IPCSUITE_TIMESCALE", strconv.FormatFloat(scale, 'g', -1, 64))
	start := time.Now()
	code, out := proc.RunNegative(t, "wake", "-test.run=^TestBrokenWakeUp$")
	t.Logf("the control failed after %v", time.Since(start))
	proc.RequireFailedWith(t, code, out,
		"--- FAIL: TestBrokenWakeUp/call",
		"read of an empty pipe, shown blocked, still blocked",
		"--- FAIL: TestBrokenWakeUp/peer",
		"peer exit (pid",
		"after it was shown blocked and should have been woken")
}

func TestBrokenWakeUp(t *testing.T) {
	if proc.Negative() != "wake" {
		t.Skip("a deliberately wrong test, run only by TestNegativeControlMissingWakeUp")
	}
	t.Run("call", func(t *testing.T) {
		t.Parallel()
		r, _ := sys.Pipe(t, 0)
		sys.Blocks(t, "read of an empty pipe",
			sys.IO(func() (int, error) { return sys.Read(r, make([]byte, 1)) }), func() {})
	})
	t.Run("peer", func(t *testing.T) {
		t.Parallel()
		p := proc.Spawn(t, "exit", proc.PeerSpec{})
		p.Expect(t, "hello")
		p.RequireSilent(t, "peer awaiting a line")
		p.Wait(t) // never told "bye"
	})
}
