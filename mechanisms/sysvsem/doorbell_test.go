package sysvsem

import (
	"strconv"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers"
)

// The "doorbell" peer answers rings: for each of n rounds it waits on bell
// 0 and rings bell 1. Args: ID N.
func init() { helpers.Register("doorbell", doorbellRole) }

func doorbellRole(args []string) int {
	if len(args) != 2 {
		helpers.Fatalf("doorbell: want ID N, got %q", args)
	}
	id, err1 := strconv.Atoi(args[0])
	n, err2 := strconv.Atoi(args[1])
	helpers.Check(err1, "doorbell id")
	helpers.Check(err2, "doorbell rounds")
	d := Doorbell{ID: id}
	for range n {
		helpers.Check(d.Wait(0), "wait on bell 0")
		helpers.Check(d.Ring(1), "ring bell 1")
	}
	return 0
}

// A Doorbell wakes a process sleeping in Wait; a Ring made before the Wait
// is not lost (the peer's first Wait finds the test's early Rings), and
// rings are counted one for one.
func TestDoorbellWakesAnotherProcessAndKeepsEarlyRings(t *testing.T) {
	const rounds = 200
	d := NewDoorbell(t, 2)
	// Two rings before the peer exists: its first two Waits return at once.
	for range 2 {
		if err := d.Ring(0); err != nil {
			t.Fatalf("ring: %s", helpers.ErrnoName(err))
		}
	}
	peer := helpers.Spawn(t, "doorbell", helpers.PeerSpec{Args: []string{strconv.Itoa(d.ID), strconv.Itoa(rounds)}})
	for range 2 {
		if err := d.Wait(1); err != nil {
			t.Fatalf("wait: %s", helpers.ErrnoName(err))
		}
	}
	// The peer now sleeps on bell 0, and the test's Wait on bell 1 sleeps
	// until the peer rings it.
	RequireSemopWait(t, peer.Pid, func() { peer.RequireSilent(t, "Wait on bell 0") })
	err := helpers.Blocks(t, "Wait on a bell nobody rang", func() error { return d.Bell(1).Wait() }, func() {
		if err := d.Bell(0).Ring(); err != nil {
			t.Errorf("ring: %s", helpers.ErrnoName(err))
		}
	})
	if err != nil {
		t.Fatalf("wait: %s", helpers.ErrnoName(err))
	}
	for range rounds - 3 {
		if err := d.Ring(0); err != nil {
			t.Fatalf("ring: %s", helpers.ErrnoName(err))
		}
		if err := d.Wait(1); err != nil {
			t.Fatalf("wait: %s", helpers.ErrnoName(err))
		}
	}
	peer.RequireExit(t, 0)
	requireVals(t, d.ID, 0, 0)
}
