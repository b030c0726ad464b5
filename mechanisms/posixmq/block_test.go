package posixmq

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// With O_NONBLOCK, receiving from an empty queue and sending to a full one
// fail at once with EAGAIN and change nothing (man 3 mq_send, mq_receive).
func TestNonblockFailsWithEAGAIN(t *testing.T) {
	q := mkQueue(t, unix.O_NONBLOCK, 2, 8)
	t.Run("receive_from_empty", func(t *testing.T) {
		err := sys.Returns(t, "mq_receive O_NONBLOCK on an empty queue", func() error {
			_, _, err := Receive(q.fd, make([]byte, 8))
			return err
		})
		sys.RequireErrno(t, err, unix.EAGAIN, "mq_receive O_NONBLOCK on an empty queue")
	})
	t.Run("send_to_full", func(t *testing.T) {
		mustSend(t, q.fd, "a", 0)
		mustSend(t, q.fd, "b", 0)
		err := sys.Returns(t, "mq_send O_NONBLOCK to a full queue", func() error { return Send(q.fd, []byte("c"), 7) })
		sys.RequireErrno(t, err, unix.EAGAIN, "mq_send O_NONBLOCK to a full queue")
		mustReceive(t, q.fd, 8, "0:a")
		mustReceive(t, q.fd, 8, "0:b")
		mustReceive(t, q.fd, 8, "EAGAIN")
	})
}

// Without O_NONBLOCK, mq_receive on an empty queue sleeps until another
// process sends, and then returns that message.
func TestReceiveBlocksUntilAPeerSends(t *testing.T) {
	q := mkQueue(t, 0, 2, 8)
	recv := spawnMq(t, proc.PeerSpec{})
	fd := recv.open(t, q.name, unix.O_RDONLY)
	recv.Start(t, "rcv %d 8", fd)
	recv.requireBlocked(t, "mq_receive on an empty queue")
	mustSend(t, q.fd, "hello", 3)
	recv.Expect(t, "3:hello")
	if n := attr(t, q.fd).Curmsgs; n != 0 {
		t.Fatalf("mq_curmsgs %d after the blocked receiver took the message, want 0", n)
	}

	// And the test's own receive, released by a peer.
	sfd := recv.open(t, q.name, unix.O_WRONLY)
	got := sys.Blocks(t, "mq_receive in the test on an empty queue",
		func() string { return rcv(q.fd, 8) },
		func() { recv.Must(t, "ok", "snd %d 4:world", sfd) })
	if got != "4:world" {
		t.Fatalf("blocked mq_receive returned %s, want 4:world", got)
	}
}

// Without O_NONBLOCK, mq_send to a full queue sleeps until another process
// receives, and then sends.
func TestSendBlocksUntilAPeerReceives(t *testing.T) {
	q := mkQueue(t, 0, 2, 8)
	fill(t, q)
	sender := spawnMq(t, proc.PeerSpec{})
	fd := sender.open(t, q.name, unix.O_RDWR)
	sender.Start(t, "snd %d 6:late", fd)
	sender.requireBlocked(t, "mq_send to a full queue")
	mustReceive(t, q.fd, 8, "0:0")
	sender.Expect(t, "ok")
	mustReceive(t, q.fd, 8, "6:late")

	// And the test's own send, released by a peer.
	fill(t, q)
	err := sys.Blocks(t, "mq_send in the test to a full queue",
		func() error { return Send(q.fd, []byte("mine"), 7) },
		func() { sender.Must(t, "0:1", "rcv %d 8", fd) })
	if err != nil {
		t.Fatalf("blocked mq_send: %s", sys.ErrnoName(err))
	}
	mustReceive(t, q.fd, 8, "7:mine")
}

// A signal caught by a handler without SA_RESTART interrupts a sleeping
// mq_receive or mq_send with EINTR, and the interrupted calls take and
// leave nothing; under SA_RESTART (Go's handlers have it) the kernel
// restarts them instead, and they sleep on until another process acts
// (man 7 signal lists them among the restarted calls).
func TestSignalInterrupts(t *testing.T) {
	q := mkQueue(t, 0, 2, 8)
	peer := spawnMq(t, proc.PeerSpec{})
	fd := peer.open(t, q.name, unix.O_RDWR)
	signal := func(tid int) {
		t.Helper()
		if err := unix.Tgkill(peer.Pid, tid, unix.SIGUSR1); err != nil {
			t.Fatalf("tgkill: %s", sys.ErrnoName(err))
		}
	}

	t.Run("restarted_under_SA_RESTART", func(t *testing.T) {
		peer.Start(t, "intr-rcv %d 8", fd)
		tid := peer.Thread(t)
		peer.requireBlocked(t, "mq_receive on an empty queue")
		signal(tid)
		peer.RequireSilent(t, "mq_receive after a signal whose handler has SA_RESTART")
		mustSend(t, q.fd, "late", 2)
		peer.Expect(t, "ok")
		if n := attr(t, q.fd).Curmsgs; n != 0 {
			t.Fatalf("mq_curmsgs %d after the restarted receive took the message, want 0", n)
		}
	})
	peer.Must(t, "ok", "norestart")
	t.Run("receive_EINTR_without_SA_RESTART", func(t *testing.T) {
		peer.Start(t, "intr-rcv %d 8", fd)
		tid := peer.Thread(t)
		peer.requireBlocked(t, "mq_receive on an empty queue")
		signal(tid)
		peer.Expect(t, "EINTR after SIGUSR1")
		mustSend(t, q.fd, "kept", 1) // no receiver is left waiting to take it
		mustReceive(t, q.fd, 8, "1:kept")
	})
	t.Run("send_EINTR_without_SA_RESTART", func(t *testing.T) {
		fill(t, q)
		peer.Start(t, "intr-snd %d lost", fd)
		tid := peer.Thread(t)
		peer.requireBlocked(t, "mq_send to a full queue")
		signal(tid)
		peer.Expect(t, "EINTR after SIGUSR1")
		if a := attr(t, q.fd); a.Curmsgs != a.Maxmsg {
			t.Fatalf("mq_curmsgs %d after the interrupted send, want %d", a.Curmsgs, a.Maxmsg)
		}
		mustReceive(t, q.fd, 8, "0:0")
		mustReceive(t, q.fd, 8, "0:1")
		if n := attr(t, q.fd).Curmsgs; n != 0 {
			t.Fatalf("the interrupted send queued its message: mq_curmsgs %d, want 0", n)
		}
	})
}
