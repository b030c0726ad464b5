package posixmq

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// mq_getattr reports mq_curmsgs as other processes send and receive, and
// the queue's mq_maxmsg and mq_msgsize (man 3 mq_getattr).
func TestGetattrReportsCurmsgs(t *testing.T) {
	q := mkQueue(t, 0, 5, 32)
	peer := spawnMq(t, proc.PeerSpec{})
	pfd := peer.open(t, q.name, unix.O_RDWR)
	want := func(n int64) {
		t.Helper()
		a := attr(t, q.fd)
		if a.Curmsgs != n || a.Maxmsg != 5 || a.Msgsize != 32 || a.Flags != 0 {
			t.Fatalf("mq_getattr: %+v, want curmsgs %d, maxmsg 5, msgsize 32, flags 0", a, n)
		}
	}
	want(0)
	peer.Must(t, "ok", "snd %d 1:a,1:b,3:c", pfd)
	want(3)
	peer.Must(t, "3:c", "rcv %d 32", pfd)
	want(2)
	peer.Must(t, "2", "curmsgs %d", pfd)
}

// mq_setattr changes only O_NONBLOCK, and only for the open file
// description it is called on: mq_maxmsg, mq_msgsize and mq_curmsgs in
// the new attributes are ignored, and any other flag is EINVAL (man 3
// mq_setattr).
func TestSetattrChangesOnlyNonblock(t *testing.T) {
	q := mkQueue(t, 0, 2, 8)
	t.Run("sizes_ignored", func(t *testing.T) {
		_, err := GetSetAttr(q.fd, &Attr{Maxmsg: 1, Msgsize: 4, Curmsgs: 7})
		if err != nil {
			t.Fatalf("mq_setattr: %s", sys.ErrnoName(err))
		}
		if a := attr(t, q.fd); a.Maxmsg != 2 || a.Msgsize != 8 || a.Curmsgs != 0 {
			t.Fatalf("mq_getattr after mq_setattr of other sizes: %+v, want maxmsg 2, msgsize 8, curmsgs 0", a)
		}
	})
	t.Run("other_flags_EINVAL", func(t *testing.T) {
		_, err := GetSetAttr(q.fd, &Attr{Flags: unix.O_NONBLOCK | unix.O_APPEND})
		sys.RequireErrno(t, err, unix.EINVAL, "mq_setattr with O_NONBLOCK|O_APPEND")
		if a := attr(t, q.fd); a.Flags != 0 {
			t.Fatalf("a refused mq_setattr set flags %#x", a.Flags)
		}
	})
	t.Run("nonblock_set_for_this_description", func(t *testing.T) {
		old, err := GetSetAttr(q.fd, &Attr{Flags: unix.O_NONBLOCK})
		if err != nil || old.Flags != 0 {
			t.Fatalf("mq_setattr O_NONBLOCK: %s, old flags %#x", sys.ErrnoName(err), old.Flags)
		}
		if a := attr(t, q.fd); a.Flags != unix.O_NONBLOCK {
			t.Fatalf("mq_getattr after setting O_NONBLOCK: flags %#x", a.Flags)
		}
		mustReceive(t, q.fd, 8, "EAGAIN")

		// Another process's open of the queue still blocks.
		peer := spawnMq(t, proc.PeerSpec{})
		pfd := peer.open(t, q.name, unix.O_RDWR)
		peer.Start(t, "rcv %d 8", pfd)
		peer.requireBlocked(t, "mq_receive on the peer's own blocking open")
		mustSend(t, q.fd, "wake", 1)
		peer.Expect(t, "1:wake")

		if _, err := GetSetAttr(q.fd, &Attr{}); err != nil {
			t.Fatalf("mq_setattr clearing O_NONBLOCK: %s", sys.ErrnoName(err))
		}
		got := sys.Blocks(t, "mq_receive after O_NONBLOCK was cleared",
			func() string { return rcv(q.fd, 8) },
			func() { peer.Must(t, "ok", "snd %d 2:again", pfd) })
		if got != "2:again" {
			t.Fatalf("mq_receive: %s, want 2:again", got)
		}
	})
}

// A queue descriptor can be polled: POLLOUT while there is room, POLLIN
// while a message waits, and a poll for POLLIN on an empty queue sleeps
// until another process sends (man 7 mq_overview).
func TestDescriptorIsPollable(t *testing.T) {
	q := mkQueue(t, 0, 2, 8)
	peer := spawnMq(t, proc.PeerSpec{})
	pfd := peer.open(t, q.name, unix.O_RDWR)
	want := func(state string, rev int16) {
		t.Helper()
		got, err := sys.Revents(q.fd, unix.POLLIN|unix.POLLOUT, 0)
		if err != nil {
			t.Fatalf("poll: %s", sys.ErrnoName(err))
		}
		if got != rev {
			t.Fatalf("poll on %s: revents %#x, want %#x", state, got, rev)
		}
	}
	want("an empty queue", unix.POLLOUT)
	peer.Must(t, "ok", "snd %d 1:a", pfd)
	want("a queue with room and a message", unix.POLLIN|unix.POLLOUT)
	peer.Must(t, "ok", "snd %d 1:b", pfd)
	want("a full queue", unix.POLLIN)
	drain(t, q.fd)

	rev := sys.Blocks(t, "poll for POLLIN on an empty queue",
		func() sys.Result {
			r, err := sys.Revents(q.fd, unix.POLLIN, int(time.Until(sys.Deadline(t)).Milliseconds()))
			return sys.Result{N: int(r), Err: err}
		},
		func() { peer.Must(t, "ok", "snd %d 3:c", pfd) })
	if rev.Err != nil || int16(rev.N) != unix.POLLIN {
		t.Fatalf("poll woken by the peer's send: %v, want POLLIN", rev)
	}
}
