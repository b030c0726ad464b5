package helpers_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/ipcsuite/ipcsuite/helpers"
)

// A wake-up that never comes fails within WakeBound, not at the deadline:
// for a call in the test process and for a peer. The control runs with
// the time scale cut tenfold, so that it costs little under emulation too.
func TestNegativeControlMissingWakeUp(t *testing.T) {
	scale := float64(helpers.Scale(time.Second)) / float64(time.Second) / 10
	t.Setenv("IPCSUITE_TIMESCALE", strconv.FormatFloat(scale, 'g', -1, 64))
	start := time.Now()
	code, out := runNegative(t, "wake", "-test.run=^TestBrokenWakeUp$")
	t.Logf("the control failed after %v", time.Since(start))
	requireFailedWith(t, code, out,
		"--- FAIL: TestBrokenWakeUp/call",
		"read of an empty pipe, shown blocked, still blocked",
		"--- FAIL: TestBrokenWakeUp/peer",
		"peer exit (pid",
		"after it was shown blocked and should have been woken")
}

func TestBrokenWakeUp(t *testing.T) {
	if negative() != "wake" {
		t.Skip("a deliberately wrong test, run only by TestNegativeControlMissingWakeUp")
	}
	t.Run("call", func(t *testing.T) {
		t.Parallel()
		r, _ := helpers.Pipe(t, 0)
		helpers.Blocks(t, "read of an empty pipe",
			helpers.IO(func() (int, error) { return helpers.Read(r, make([]byte, 1)) }), func() {})
	})
	t.Run("peer", func(t *testing.T) {
		t.Parallel()
		p := helpers.Spawn(t, "exit", helpers.PeerSpec{})
		p.Expect(t, "hello")
		p.RequireSilent(t, "peer awaiting a line")
		p.Wait(t) // never told "bye"
	})
}
