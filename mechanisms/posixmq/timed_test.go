package posixmq

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// realtimeIn is the absolute CLOCK_REALTIME deadline d from now.
func realtimeIn(t *testing.T, d time.Duration) (unix.Timespec, time.Time) {
	t.Helper()
	var now unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_REALTIME, &now); err != nil {
		t.Fatal(err)
	}
	at := time.Unix(now.Sec, now.Nsec).Add(d)
	return unix.NsecToTimespec(at.UnixNano()), at
}

// requireTimedOut runs call, which must sleep until the absolute deadline
// it is given and fail with ETIMEDOUT then: not before the deadline (by
// CLOCK_REALTIME, the clock the deadline is on), and not long after.
func requireTimedOut(t *testing.T, what string, call func(deadline *unix.Timespec) error) {
	t.Helper()
	wait := sys.BlockBound()
	ts, at := realtimeIn(t, wait)
	err := call(&ts)
	var now unix.Timespec
	unix.ClockGettime(unix.CLOCK_REALTIME, &now)
	ended := time.Unix(now.Sec, now.Nsec)
	sys.RequireErrno(t, err, unix.ETIMEDOUT, what)
	if ended.Before(at) {
		t.Fatalf("%s: ETIMEDOUT %v before its deadline", what, at.Sub(ended))
	}
	if late := ended.Sub(at); late > sys.WakeBound() {
		t.Fatalf("%s: ETIMEDOUT %v after its deadline", what, late)
	}
	// A deadline already past fails at once, where the call must wait.
	err = sys.Returns(t, what+" with a past deadline", func() error { return call(pastDeadline()) })
	sys.RequireErrno(t, err, unix.ETIMEDOUT, what+" with a past deadline")
}

// mq_timedreceive on an empty queue and mq_timedsend to a full one sleep
// until their absolute deadline and then fail with ETIMEDOUT (man 3
// mq_receive, mq_send); the queue is unchanged.
func TestTimedCallsFailWithETIMEDOUTAtTheirDeadline(t *testing.T) {
	q := mkQueue(t, 0, 2, 8)
	t.Run("receive", func(t *testing.T) {
		requireTimedOut(t, "mq_timedreceive on an empty queue", func(d *unix.Timespec) error {
			_, _, err := TimedReceive(q.fd, make([]byte, 8), d)
			return err
		})
	})
	t.Run("send", func(t *testing.T) {
		fill(t, q)
		requireTimedOut(t, "mq_timedsend to a full queue", func(d *unix.Timespec) error {
			return TimedSend(q.fd, []byte("late"), 3, d)
		})
		if a := attr(t, q.fd); a.Curmsgs != a.Maxmsg {
			t.Fatalf("mq_curmsgs %d after the timed-out send, want %d", a.Curmsgs, a.Maxmsg)
		}
	})
}

// A deadline whose tv_nsec is out of [0, 1e9) is EINVAL, for a call that
// would have to wait (man 3 mq_receive, mq_send).
func TestBadTimespecIsEINVAL(t *testing.T) {
	q := mkQueue(t, 0, 2, 8)
	for _, c := range []struct {
		name string
		ts   unix.Timespec
	}{
		{"nsec_one_second", unix.Timespec{Sec: 1, Nsec: 1_000_000_000}},
		{"nsec_negative", unix.Timespec{Sec: 1, Nsec: -1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Run("receive_from_empty", func(t *testing.T) {
				ts := c.ts
				_, _, err := TimedReceive(q.fd, make([]byte, 8), &ts)
				sys.RequireErrno(t, err, unix.EINVAL, "mq_timedreceive on an empty queue with a bad timespec")
			})
			t.Run("send_to_full", func(t *testing.T) {
				fill(t, q)
				ts := c.ts
				err := TimedSend(q.fd, []byte("x"), 0, &ts)
				sys.RequireErrno(t, err, unix.EINVAL, "mq_timedsend to a full queue with a bad timespec")
				if got := drain(t, q.fd); len(got) != 2 {
					t.Fatalf("after the refused send the queue held %q, want the 2 messages that filled it", got)
				}
			})
		})
	}
}
