package posixmq

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The kernel functions a thread blocked in mq_timedsend or
// mq_timedreceive sleeps in (ipc/mqueue.c), as /proc/PID/task/TID/wchan
// names them: the queue's wait (found by experiment), or its callers where
// a compiler inlined it.
var mqWaits = []string{"wq_sleep", "do_mq_timedreceive", "do_mq_timedsend"}

// queue is a queue the test made: its name and the test's fd on it.
type queue struct {
	name string
	fd   int
}

// mkQueue makes a fresh queue with O_CREAT|O_EXCL|O_RDWR|extra, mode 0600
// and maxmsg and msgsize (0: the defaults). It is unlinked when the test
// ends, also when the test fails, unless the test unlinked it first.
func mkQueue(t *testing.T, extra int, maxmsg, msgsize int) queue {
	t.Helper()
	requireQueueIO(t)
	name := proc.Name()
	var attr *Attr
	if maxmsg != 0 {
		attr = &Attr{Maxmsg: int64(maxmsg), Msgsize: int64(msgsize)}
	}
	fd, err := Open(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR|extra, 0o600, attr)
	if err != nil {
		t.Fatalf("mq_open(%s, O_CREAT|O_EXCL, maxmsg %d, msgsize %d): %s", name, maxmsg, msgsize, sys.ErrnoName(err))
	}
	unlinkAtEnd(t, name)
	sys.Own(t, fd)
	return queue{name, fd}
}

// requireQueueIO skips the test where the kernel has mq_open but not the
// calls that use a queue (gVisor).
func requireQueueIO(t testing.TB) {
	t.Helper()
	if call := missingQueueIO(); call != "" {
		t.Skipf("the kernel (%s) has mq_open but no %s (ENOSYS)", sys.KernelRelease(), call)
	}
}

// unlinkAtEnd unlinks name when the test ends, if it still exists.
func unlinkAtEnd(t *testing.T, name string) {
	t.Cleanup(func() {
		if err := Unlink(name); err != nil && err != unix.ENOENT {
			t.Errorf("mq_unlink(%s): %s", name, sys.ErrnoName(err))
		}
	})
}

func mustSend(t *testing.T, fd int, text string, prio uint) {
	t.Helper()
	if err := Send(fd, []byte(text), prio); err != nil {
		t.Fatalf("mq_send(%q, prio %d): %s", text, prio, sys.ErrnoName(err))
	}
}

// mustReceive receives one message with a buffer of size bytes and fails
// unless it is want, rendered as "PRIO:TEXT" or the errno's name.
func mustReceive(t *testing.T, fd, size int, want string) {
	t.Helper()
	if got := rcv(fd, size); got != want {
		t.Fatalf("mq_receive: %s, want %s", got, want)
	}
}

func attr(t *testing.T, fd int) Attr {
	t.Helper()
	a, err := GetAttr(fd)
	if err != nil {
		t.Fatalf("mq_getattr: %s", sys.ErrnoName(err))
	}
	return a
}

// fill sends messages of one byte until the queue holds mq_maxmsg.
func fill(t *testing.T, q queue) {
	t.Helper()
	a := attr(t, q.fd)
	for i := a.Curmsgs; i < a.Maxmsg; i++ {
		if err := TimedSend(q.fd, []byte(strconv.Itoa(int(i%10))), 0, pastDeadline()); err != nil {
			t.Fatalf("filling: send %d of %d: %s", i+1, a.Maxmsg, sys.ErrnoName(err))
		}
	}
}

// drain receives until the queue is empty, without sleeping, and returns
// the messages as "PRIO:TEXT".
func drain(t *testing.T, fd int) []string {
	t.Helper()
	msgsize := attr(t, fd).Msgsize
	var got []string
	for range 1000 {
		buf := make([]byte, msgsize)
		n, prio, err := TimedReceive(fd, buf, pastDeadline())
		if err == unix.ETIMEDOUT {
			return got
		}
		if err != nil {
			t.Fatalf("mq_timedreceive after %q: %s", got, sys.ErrnoName(err))
		}
		got = append(got, strconv.Itoa(int(prio))+":"+string(buf[:n]))
	}
	t.Fatalf("mq_timedreceive never ran out of messages")
	return nil
}
