package sysvmsg

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// fill fills queue id to exactly msg_qbytes bytes with messages of type 9
// no larger than msgmax, and returns how many it sent.
func fill(t *testing.T, id int) int {
	t.Helper()
	l := readLimits(t)
	ds := stat(t, id)
	n := 0
	for left := int(ds.Qbytes); left > 0; n++ {
		size := min(left, l.Max)
		if err := Snd(id, 9, filler(size), IPC_NOWAIT); err != nil {
			t.Fatalf("msgsnd of %d bytes with %d of msg_qbytes %d left: %s", size, left, ds.Qbytes, sys.ErrnoName(err))
		}
		left -= size
	}
	requireQueued(t, id, uint64(n), ds.Qbytes, "filled queue")
	return n
}

// With IPC_NOWAIT, msgrcv that finds no message of the asked type fails
// with ENOMSG, and msgsnd to a queue whose msg_qbytes is used up fails with
// EAGAIN; neither changes the queue (man 2 msgop).
func TestNowaitFailsAtOnce(t *testing.T) {
	id := mkQueue(t, 0o600)
	got := sys.Returns(t, "msgrcv IPC_NOWAIT on an empty queue", func() string { return rcv(id, 16, 0, 0) })
	if got != "ENOMSG" {
		t.Fatalf("msgrcv IPC_NOWAIT on an empty queue: %s, want ENOMSG", got)
	}
	mustSnd(t, id, 1, "x")
	for _, c := range []struct{ msgtyp, flags int }{{2, 0}, {1, MSG_EXCEPT}} {
		if got := rcv(id, 16, c.msgtyp, c.flags); got != "ENOMSG" {
			t.Fatalf("msgrcv IPC_NOWAIT msgtyp %d flags %#x with only type 1 queued: %s, want ENOMSG", c.msgtyp, c.flags, got)
		}
	}
	requireQueued(t, id, 1, 1, "after the failed msgrcv calls")
	mustRcv(t, id, 16, 0, 0, "1:x")

	n := fill(t, id)
	err := sys.Returns(t, "msgsnd IPC_NOWAIT to a full queue", func() error {
		return Snd(id, 1, []byte("x"), IPC_NOWAIT)
	})
	sys.RequireErrno(t, err, unix.EAGAIN, "msgsnd of 1 byte IPC_NOWAIT to a full queue")
	requireQueued(t, id, uint64(n), stat(t, id).Qbytes, "after the failed msgsnd")
}

// Without IPC_NOWAIT, msgrcv on an empty queue sleeps (in the kernel's
// do_msgrcv) until another process sends, then returns that message.
func TestMsgrcvBlocksUntilAPeerSends(t *testing.T) {
	id := mkQueue(t, 0o600)
	recv := spawnMsg(t, proc.PeerSpec{})
	recv.Start(t, "rcv %d 16 0 0", id)
	recv.requireBlocked(t, rcvWait, "msgrcv on an empty queue")
	sender := spawnMsg(t, proc.PeerSpec{})
	sender.Must(t, "ok", "snd %d 4 hello 0", id)
	recv.Expect(t, "4:hello")
	requireQueued(t, id, 0, 0, "after the blocked receiver took the message")

	// And the test's own msgrcv, released by a peer.
	got := sys.Blocks(t, "msgrcv in the test on an empty queue",
		func() string { mtype, text, err := Rcv(id, 16, 0, 0); return message(mtype, text, err) },
		func() { sender.Must(t, "ok", "snd %d 5 world 0", id) })
	if got != "5:world" {
		t.Fatalf("blocked msgrcv returned %s, want 5:world", got)
	}
}

// Without IPC_NOWAIT, msgsnd to a full queue sleeps (in do_msgsnd) until
// another process makes room by receiving, then sends.
func TestMsgsndBlocksUntilAPeerReceives(t *testing.T) {
	l := readLimits(t)
	id := mkQueue(t, 0o600)
	n := fill(t, id)
	sender := spawnMsg(t, proc.PeerSpec{})
	sender.Start(t, "snd %d 1 late 0", id)
	sender.requireBlocked(t, sndWait, "msgsnd to a full queue")
	requireQueued(t, id, uint64(n), stat(t, id).Qbytes, "while the sender sleeps")
	recv := spawnMsg(t, proc.PeerSpec{})
	if got := recv.Ask(t, "rcv %d %d 9 0", id, l.Max); len(got) < 2 || got[:2] != "9:" {
		t.Fatalf("peer's msgrcv of the first message: %s", got)
	}
	sender.Expect(t, "ok")
	mustRcv(t, id, 16, 1, 0, "1:late")

	// And the test's own msgsnd, released by a peer.
	drain(t, id, 0, 0)
	fill(t, id)
	err := sys.Blocks(t, "msgsnd in the test to a full queue",
		func() error { return Snd(id, 2, []byte("mine"), 0) },
		func() {
			if got := recv.Ask(t, "rcv %d %d 9 0", id, l.Max); len(got) < 2 || got[:2] != "9:" {
				t.Errorf("peer's msgrcv: %s", got)
			}
		})
	if err != nil {
		t.Fatalf("blocked msgsnd: %s", sys.ErrnoName(err))
	}
	mustRcv(t, id, 16, 2, 0, "2:mine")
}

// A signal whose handler was installed with SA_RESTART (as Go's are) still
// interrupts a sleeping msgrcv or msgsnd with EINTR: neither is ever
// restarted (man 7 signal). The interrupted calls take and leave nothing.
func TestInterruptedBySignalFailsEINTR(t *testing.T) {
	id := mkQueue(t, 0o600)
	peer := spawnMsg(t, proc.PeerSpec{})
	signal := func(tid int) {
		t.Helper()
		if err := unix.Tgkill(peer.Pid, tid, unix.SIGUSR1); err != nil {
			t.Fatalf("tgkill: %s", sys.ErrnoName(err))
		}
	}

	peer.Start(t, "intr-rcv %d 16 0", id)
	tid := peer.Thread(t)
	peer.requireBlocked(t, rcvWait, "msgrcv on an empty queue")
	signal(tid)
	peer.Expect(t, "EINTR after SIGUSR1")
	mustSnd(t, id, 1, "kept") // no receiver is left waiting to take it
	requireQueued(t, id, 1, 4, "a message sent after the interrupted msgrcv")
	mustRcv(t, id, 16, 0, 0, "1:kept")

	n := fill(t, id)
	peer.Start(t, "intr-snd %d 1 16", id)
	tid = peer.Thread(t)
	peer.requireBlocked(t, sndWait, "msgsnd to a full queue")
	signal(tid)
	peer.Expect(t, "EINTR after SIGUSR1")
	requireQueued(t, id, uint64(n), stat(t, id).Qbytes, "after the interrupted msgsnd")
}
