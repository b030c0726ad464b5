package sysvsem

import (
	"strconv"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A Doorbell wakes a process sleeping in Wait; a Ring made before the Wait
// is not lost (the peer's first Wait finds the test's early Rings), and
// rings are counted one for one.
func TestDoorbellWakesAnotherProcessAndKeepsEarlyRings(t *testing.T) {
	const rounds = 200
	d := NewDoorbell(t, 2)
	// Two rings before the peer exists: its first two Waits return at once.
	for range 2 {
		if err := d.Ring(0); err != nil {
			t.Fatalf("ring: %s", sys.ErrnoName(err))
		}
	}
	peer := proc.Spawn(t, "doorbell", proc.PeerSpec{Args: []string{strconv.Itoa(d.ID), strconv.Itoa(rounds)}})
	for range 2 {
		if err := d.Wait(1); err != nil {
			t.Fatalf("wait: %s", sys.ErrnoName(err))
		}
	}
	// The peer now sleeps on bell 0, and the test's Wait on bell 1 sleeps
	// until the peer rings it.
	RequireSemopWait(t, peer.Pid, func() { peer.RequireSilent(t, "Wait on bell 0") })
	err := sys.Blocks(t, "Wait on a bell nobody rang", func() error { return d.Bell(1).Wait() }, func() {
		if err := d.Bell(0).Ring(); err != nil {
			t.Errorf("ring: %s", sys.ErrnoName(err))
		}
	})
	if err != nil {
		t.Fatalf("wait: %s", sys.ErrnoName(err))
	}
	for range rounds - 3 {
		if err := d.Ring(0); err != nil {
			t.Fatalf("ring: %s", sys.ErrnoName(err))
		}
		if err := d.Wait(1); err != nil {
			t.Fatalf("wait: %s", sys.ErrnoName(err))
		}
	}
	peer.RequireExit(t, 0)
	requireVals(t, d.ID, 0, 0)
}
