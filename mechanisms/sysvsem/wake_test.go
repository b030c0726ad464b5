package sysvsem

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// SETVAL and SETALL change values as a semop would, so they wake the
// sleepers whose condition they fulfil (update_queue after the set): a
// peer asleep in P on 0 returns once SETVAL makes the value 1, and a peer
// asleep waiting for zero returns once SETALL makes it 0.
func TestSetvalAndSetallWakeSleepingWaiters(t *testing.T) {
	t.Run("SETVAL wakes a P", func(t *testing.T) {
		id := newSet(t, 1, 0o600)
		peer := spawnSem(t, proc.PeerSpec{})
		peer.Start(t, "op %d %s", id, spec(p(0)))
		peer.requireBlocked(t, "P on value 0")
		setVal(t, id, 0, 1)
		peer.Expect(t, "ok")
		requireVal(t, id, 0, 0, "after the woken P took the value SETVAL set")
	})
	t.Run("SETALL wakes a wait for zero", func(t *testing.T) {
		id := newSet(t, 2, 0o600)
		setAll(t, id, 1, 1)
		peer := spawnSem(t, proc.PeerSpec{})
		peer.Start(t, "op %d %s", id, spec(zero(1)))
		peer.requireBlocked(t, "wait for zero on value 1")
		setAll(t, id, 1, 0)
		peer.Expect(t, "ok")
		requireVals(t, id, 1, 0)
	})
}

// A waiter for zero that a signal interrupts stops being counted: GETZCNT
// is 1 while the peer sleeps and 0 once it has failed with EINTR. A kernel
// that left the interrupted waiter queued would still count it.
func TestSemzcntDropsWhenAWaiterIsInterrupted(t *testing.T) {
	id := newSet(t, 1, 0o600)
	setVal(t, id, 0, 1)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Start(t, "intr %d %s", id, spec(zero(0)))
	tid := peer.Thread(t)
	peer.requireBlocked(t, "wait for zero on value 1")
	if n := zcnt(t, id, 0); n != 1 {
		t.Fatalf("GETZCNT = %d with the peer asleep, want 1", n)
	}
	if err := unix.Tgkill(peer.Pid, tid, unix.SIGUSR1); err != nil {
		t.Fatalf("tgkill: %s", sys.ErrnoName(err))
	}
	peer.Expect(t, "EINTR after SIGUSR1")
	if n := zcnt(t, id, 0); n != 0 {
		t.Fatalf("GETZCNT = %d after the interrupted wait, want 0", n)
	}
	requireVal(t, id, 0, 1, "after the interrupted wait for zero")
}

// Once a set is removed its identifier names nothing: GETNCNT and GETZCNT
// fail with EINVAL (not a count of 0), and so does a second IPC_RMID,
// whoever makes it.
func TestRemovedSetAnswersEINVAL(t *testing.T) {
	id := newSet(t, 1, 0o600)
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "ok", "rmid %d", id)
	for _, c := range []struct {
		what string
		call func() error
	}{
		{"GETNCNT", func() error { _, err := GetNcnt(id, 0); return err }},
		{"GETZCNT", func() error { _, err := GetZcnt(id, 0); return err }},
		{"a second IPC_RMID", func() error { return Remove(id) }},
	} {
		t.Run(c.what, func(t *testing.T) {
			sys.RequireErrno(t, c.call(), unix.EINVAL, c.what+" of a removed set")
		})
	}
	peer.Must(t, "EINVAL", "rmid %d", id)
}
