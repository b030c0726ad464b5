package sysvmsg

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A message longer than msgsz is not received: msgrcv fails with E2BIG and
// the message stays queued, first in line. With MSG_NOERROR it is received
// cut to msgsz bytes, and the rest is lost with it: the message is gone
// from the queue (man 2 msgop). The message was sent by another process.
func TestMessageLongerThanMsgsz(t *testing.T) {
	id := mkQueue(t, 0o600)
	peer := spawnMsg(t, proc.PeerSpec{})
	peer.Must(t, "ok", "sndseq %d 7:0123456789,8:next", id)

	mustRcv(t, id, 5, 0, 0, "E2BIG")
	mustRcv(t, id, 5, 7, 0, "E2BIG")
	requireQueued(t, id, 2, 14, "after E2BIG")
	mustRcv(t, id, 10, 0, 0, "7:0123456789") // exactly its length is enough
	peer.Must(t, "ok", "snd %d 7 0123456789 0", id)
	mustRcv(t, id, 4, 0, 0, "8:next")

	mtype, text, err := Rcv(id, 5, 0, MSG_NOERROR|IPC_NOWAIT)
	if err != nil || mtype != 7 || string(text) != "01234" {
		t.Fatalf("msgrcv with MSG_NOERROR and msgsz 5: type %d, %q, %s; want type 7, \"01234\"", mtype, text, sys.ErrnoName(err))
	}
	requireQueued(t, id, 0, 0, "after MSG_NOERROR truncated the message")
}

// A receiver asleep with a msgsz too small for the message that arrives is
// woken with E2BIG, and the message is queued for others rather than lost.
func TestBlockedReceiverTooSmallGetsE2BIG(t *testing.T) {
	id := mkQueue(t, 0o600)
	recv := spawnMsg(t, proc.PeerSpec{})
	recv.Start(t, "rcv %d 5 0 0", id)
	recv.requireBlocked(t, rcvWait, "msgrcv of msgsz 5 on an empty queue")
	mustSnd(t, id, 3, "0123456789")
	recv.Expect(t, "E2BIG")
	requireQueued(t, id, 1, 10, "after the blocked receiver's E2BIG")
	mustRcv(t, id, 16, 0, 0, "3:0123456789")
}

// msgsnd checks its arguments before the queue (man 2 msgop): a message of
// msgmax bytes is accepted and one more byte is EINVAL; mtype must be
// positive (0 and -1 are EINVAL); a text length whose long is negative is
// EINVAL.
func TestMsgsndSizeAndTypeLimits(t *testing.T) {
	l := readLimits(t)
	id := mkQueue(t, 0o600)
	if err := Snd(id, 1, filler(l.Max), IPC_NOWAIT); err != nil {
		t.Fatalf("msgsnd of msgmax = %d bytes: %s", l.Max, sys.ErrnoName(err))
	}
	err := Snd(id, 1, filler(l.Max+1), IPC_NOWAIT)
	sys.RequireErrno(t, err, unix.EINVAL, "msgsnd of msgmax+1 bytes")
	for _, mtype := range []int{0, -1} {
		err := Snd(id, mtype, []byte("x"), IPC_NOWAIT)
		sys.RequireErrno(t, err, unix.EINVAL, "msgsnd with mtype "+strconv.Itoa(mtype))
	}
	buf := make([]byte, HeaderLen+1)
	SetType(buf, 1)
	_, err = sys.SyscallArgs(unix.SYS_MSGSND, sys.Num(id), bufPtr(buf), sys.Num(^uintptr(0)), sys.Num(IPC_NOWAIT))
	sys.RequireErrno(t, err, unix.EINVAL, "msgsnd with msgsz (size_t)-1")
	requireQueued(t, id, 1, uint64(l.Max), "after the rejected sends")

	mtype, text, err := Rcv(id, l.Max, 0, IPC_NOWAIT)
	if err != nil || mtype != 1 || string(text) != string(filler(l.Max)) {
		t.Fatalf("msgrcv of the msgmax message: type %d, %d bytes, %s", mtype, len(text), sys.ErrnoName(err))
	}
	_, err = sys.SyscallArgs(unix.SYS_MSGRCV, sys.Num(id), bufPtr(buf), sys.Num(^uintptr(0)), sys.Num(0), sys.Num(IPC_NOWAIT))
	sys.RequireErrno(t, err, unix.EINVAL, "msgrcv with msgsz (size_t)-1")
}

// A message may be empty: it is queued with its type, counts one message
// and no bytes, and msgrcv returns 0 and the type. Any msgsz, 0 included,
// receives it.
func TestZeroLengthMessages(t *testing.T) {
	id := mkQueue(t, 0o600)
	peer := spawnMsg(t, proc.PeerSpec{})
	peer.Must(t, "ok", "snd %d 4 - 0", id)
	peer.Must(t, "ok", "snd %d 5 - 0", id)
	requireQueued(t, id, 2, 0, "two empty messages")
	mustRcv(t, id, 0, 0, 0, "4:")
	mustRcv(t, id, 16, 0, 0, "5:")
	if ds := stat(t, id); ds.Lspid != int32(peer.Pid) {
		t.Fatalf("msg_lspid %d after empty messages from pid %d", ds.Lspid, peer.Pid)
	}
}

// msg_qbytes bounds the number of messages as well as their bytes: Linux
// takes a message only while bytes + its length <= msg_qbytes and
// messages + 1 <= msg_qbytes (ipc/msg.c), so that empty messages cannot
// fill memory. An empty message fits in a queue whose bytes are all in
// use; with msg_qbytes lowered to 3, a fourth message is EAGAIN whatever
// its length.
func TestQbytesAlsoCountsMessages(t *testing.T) {
	id := mkQueue(t, 0o600)
	n := fill(t, id)
	if err := Snd(id, 1, nil, IPC_NOWAIT); err != nil {
		t.Fatalf("empty msgsnd to a queue whose bytes are in use: %s", sys.ErrnoName(err))
	}
	requireQueued(t, id, uint64(n+1), stat(t, id).Qbytes, "a full queue and an empty message")
	drain(t, id, 0, 0)

	if err := setQbytes(t, id, 3); err != nil {
		t.Fatalf("IPC_SET msg_qbytes 3: %s", sys.ErrnoName(err))
	}
	for i := range 3 {
		if err := Snd(id, 1, nil, IPC_NOWAIT); err != nil {
			t.Fatalf("empty message %d into msg_qbytes 3: %s", i+1, sys.ErrnoName(err))
		}
	}
	err := Snd(id, 1, nil, IPC_NOWAIT)
	sys.RequireErrno(t, err, unix.EAGAIN, "a fourth empty message into msg_qbytes 3")
	drain(t, id, 0, 0)
	for _, text := range []string{"a", "b", "c"} {
		mustSnd(t, id, 1, text)
	}
	err = Snd(id, 1, nil, IPC_NOWAIT)
	sys.RequireErrno(t, err, unix.EAGAIN, "an empty message into msg_qbytes 3 holding 3 bytes in 3 messages")
	if got := strings.Join(drain(t, id, 0, 0), " "); got != "1:a 1:b 1:c" {
		t.Fatalf("queue held %q, want 1:a 1:b 1:c", got)
	}
}
