package sysvmsg

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The kernel functions a thread blocked in msgrcv or msgsnd sleeps in
// (ipc/msg.c), as /proc/PID/task/TID/wchan names them on this kernel
// (found by experiment: both call schedule() directly).
const (
	rcvWait = "do_msgrcv"
	sndWait = "do_msgsnd"
)

// message renders a received message as "TYPE:TEXT", or the errno.
func message(mtype int, text []byte, err error) string {
	if err != nil {
		return sys.ErrnoName(err)
	}
	return strconv.Itoa(mtype) + ":" + string(text)
}

// filler is n bytes of a pattern that does not repeat every few bytes.
func filler(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	return p
}

// mkQueue makes a private queue with mode for the test, removed when the
// test ends unless the test removed it first.
func mkQueue(t *testing.T, mode int) int {
	t.Helper()
	return mkKeyedQueue(t, unix.IPC_PRIVATE, mode)
}

// mkKeyedQueue makes a queue for key with IPC_CREAT|IPC_EXCL|mode.
func mkKeyedQueue(t *testing.T, key, mode int) int {
	t.Helper()
	id, err := Get(key, unix.IPC_CREAT|unix.IPC_EXCL|mode)
	if err != nil {
		t.Fatalf("msgget(%#x, IPC_CREAT|IPC_EXCL|%#o): %s", key, mode, sys.ErrnoName(err))
	}
	removeAtEnd(t, id)
	return id
}

// removeAtEnd removes queue id when the test ends, if it still exists.
func removeAtEnd(t *testing.T, id int) {
	t.Cleanup(func() {
		if err := Remove(id); err != nil && err != unix.EINVAL {
			t.Errorf("remove message queue %d: %s", id, sys.ErrnoName(err))
		}
	})
}

func mustSnd(t *testing.T, id, mtype int, text string) {
	t.Helper()
	if err := Snd(id, mtype, []byte(text), IPC_NOWAIT); err != nil {
		t.Fatalf("msgsnd(%d, type %d, %q): %s", id, mtype, text, sys.ErrnoName(err))
	}
}

// rcv receives with IPC_NOWAIT added to flags and returns "TYPE:TEXT" or
// the errno's name.
func rcv(id, size, msgtyp, flags int) string {
	mtype, text, err := Rcv(id, size, msgtyp, flags|IPC_NOWAIT)
	return message(mtype, text, err)
}

func mustRcv(t *testing.T, id, size, msgtyp, flags int, want string) {
	t.Helper()
	if got := rcv(id, size, msgtyp, flags); got != want {
		t.Fatalf("msgrcv(%d, size %d, msgtyp %d, flags %#x): %s, want %s", id, size, msgtyp, flags, got, want)
	}
}

// drain receives with msgtyp and flags until ENOMSG and returns the
// messages as "TYPE:TEXT". Its buffer holds msgmax bytes, so every message
// is taken whole and none is cut short by MSG_NOERROR, whose accounting is
// a rule of its own.
func drain(t *testing.T, id, msgtyp, flags int) []string {
	t.Helper()
	size := readLimits(t).Max
	var got []string
	for range 1000 {
		m := rcv(id, size, msgtyp, flags)
		if m == "ENOMSG" {
			return got
		}
		if !strings.Contains(m, ":") {
			t.Fatalf("msgrcv(%d, msgtyp %d, flags %#x) after %q: %s", id, msgtyp, flags, got, m)
		}
		got = append(got, m)
	}
	t.Fatalf("msgrcv(%d, msgtyp %d) never ran out of messages", id, msgtyp)
	return nil
}

func stat(t *testing.T, id int) MsqidDS {
	t.Helper()
	ds, err := Stat(id)
	if err != nil {
		t.Fatalf("msgctl(%d, IPC_STAT): %s", id, sys.ErrnoName(err))
	}
	return ds
}

// requireQueued fails unless the queue holds qnum messages of cbytes bytes.
func requireQueued(t *testing.T, id int, qnum, cbytes uint64, why string) {
	t.Helper()
	ds := stat(t, id)
	if ds.Qnum != qnum || ds.Cbytes != cbytes {
		t.Fatalf("%s: msg_qnum %d, msg_cbytes %d; want %d and %d", why, ds.Qnum, ds.Cbytes, qnum, cbytes)
	}
}

// setQbytes sets msg_qbytes with IPC_SET, keeping owner and mode.
func setQbytes(t *testing.T, id int, qbytes uint64) error {
	t.Helper()
	ds := stat(t, id)
	ds.Qbytes = qbytes
	return Set(id, &ds)
}

func readLimits(t *testing.T) Limits {
	t.Helper()
	l, err := ReadLimits()
	if err != nil {
		t.Fatal(err)
	}
	return l
}
