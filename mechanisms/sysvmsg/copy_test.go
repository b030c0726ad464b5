package sysvmsg

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// MSG_COPY (Linux 3.8, for checkpoint/restore) with IPC_NOWAIT copies the
// message at index msgtyp (0 the first, counting every message) without
// taking it off the queue: the queue and its statistics are unchanged. An
// index past the end is ENOMSG; a text longer than msgsz is E2BIG, and
// MSG_NOERROR does not make a short copy: it fails with EINVAL instead
// (copy_msg in ipc/msgutil.c refuses a buffer smaller than the message);
// MSG_COPY without IPC_NOWAIT, or with MSG_EXCEPT, is EINVAL.
// A kernel built without CONFIG_CHECKPOINT_RESTORE answers ENOSYS: that is
// a configuration, not a missing feature, so the test skips.
func TestMsgCopyPeeksByIndex(t *testing.T) {
	// Older kernels ignore the flag and would take the message.
	sys.RequireKernel(t, "3.8", "MSG_COPY")
	id := mkQueue(t, 0o600)
	peer := spawnMsg(t, proc.PeerSpec{})
	peer.Must(t, "ok", "sndseq %d 5:first,6:second,7:third", id)
	before := stat(t, id)

	_, _, err := Rcv(id, 16, 0, MSG_COPY|IPC_NOWAIT)
	if errors.Is(err, unix.ENOSYS) {
		t.Skip("MSG_COPY: ENOSYS: this kernel is built without CONFIG_CHECKPOINT_RESTORE")
	}
	sys.RequireFeature(t, "3.8", "MSG_COPY", err) // any other error fails
	for _, c := range []struct {
		what               string
		index, size, flags int
		want               string
	}{
		{"first", 0, 16, 0, "5:first"},
		{"third", 2, 16, 0, "7:third"},
		{"second", 1, 16, 0, "6:second"},
		{"first again", 0, 16, 0, "5:first"}, // nothing was taken
		{"past the end", 3, 16, 0, "ENOMSG"},
		{"negative index", -1, 16, 0, "ENOMSG"},
		{"short msgsz", 1, 3, 0, "E2BIG"},
		{"short msgsz with MSG_NOERROR", 1, 3, MSG_NOERROR, "EINVAL"},
	} {
		t.Run(c.what, func(t *testing.T) {
			if got := rcv(id, c.size, c.index, MSG_COPY|c.flags); got != c.want {
				t.Errorf("MSG_COPY of index %d, msgsz %d, flags %#x: %s, want %s", c.index, c.size, c.flags, got, c.want)
			}
		})
	}
	_, _, err = Rcv(id, 16, 0, MSG_COPY)
	sys.RequireErrno(t, err, unix.EINVAL, "MSG_COPY without IPC_NOWAIT")
	_, _, err = Rcv(id, 16, 1, MSG_COPY|MSG_EXCEPT|IPC_NOWAIT)
	sys.RequireErrno(t, err, unix.EINVAL, "MSG_COPY with MSG_EXCEPT")

	if after := stat(t, id); after != before {
		t.Fatalf("IPC_STAT changed by MSG_COPY: %+v, before %+v", after, before)
	}
	peer.Must(t, "5:first", "rcv %d 16 0 0", id)
	peer.Must(t, "6:second", "rcv %d 16 0 0", id)
	peer.Must(t, "7:third", "rcv %d 16 0 0", id)
}
