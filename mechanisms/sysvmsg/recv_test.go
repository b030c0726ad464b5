package sysvmsg

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// MSGMAX bounds what msgsnd sends, not the buffer msgrcv offers: a msgsz
// far above msgmax is accepted and a message of msgmax bytes arrives
// whole. A kernel that checked msgsz against MSGMAX would fail EINVAL.
func TestMsgrcvAcceptsMsgszAboveMSGMAX(t *testing.T) {
	l := readLimits(t)
	id := mkQueue(t, 0o600)
	peer := spawnMsg(t, proc.PeerSpec{})
	peer.Must(t, "EINVAL", "sndn %d 1 %d %d", id, l.Max+1, IPC_NOWAIT)
	peer.Must(t, "ok", "sndn %d 1 %d %d", id, l.Max, IPC_NOWAIT)
	mtype, text, err := Rcv(id, 4*l.Max+4096, 0, IPC_NOWAIT)
	if err != nil || mtype != 1 || !bytes.Equal(text, filler(l.Max)) {
		t.Fatalf("msgrcv with msgsz %d (msgmax %d): type %d, %d bytes, %s; want the %d-byte message", 4*l.Max+4096, l.Max, mtype, len(text), sys.ErrnoName(err), l.Max)
	}
}

// msgrcv writes mtype and the message's text, nothing more: the bytes of
// the caller's buffer past the text keep what they held. A kernel that
// copied or cleared msgsz bytes would change them.
func TestMsgrcvLeavesBytesPastTheMessageUntouched(t *testing.T) {
	id := mkQueue(t, 0o600)
	peer := spawnMsg(t, proc.PeerSpec{})
	peer.Must(t, "ok", "snd %d 7 hello %d", id, IPC_NOWAIT)
	buf := bytes.Repeat([]byte{0xa5}, HeaderLen+64)
	n, err := RcvBuf(id, buf, 0, IPC_NOWAIT)
	if err != nil || n != 5 || TypeOf(buf) != 7 || string(buf[HeaderLen:HeaderLen+n]) != "hello" {
		t.Fatalf("msgrcv: %d bytes, type %d, %q, %s; want 5 bytes of type 7, hello", n, TypeOf(buf), buf[HeaderLen:HeaderLen+max(n, 0)], sys.ErrnoName(err))
	}
	if rest := buf[HeaderLen+n:]; !bytes.Equal(rest, bytes.Repeat([]byte{0xa5}, len(rest))) {
		t.Fatalf("bytes past the message changed: % x", rest)
	}
}

// MSG_COPY reads the queue, so it needs read permission like any msgrcv:
// another user allowed only to write (0622) gets EACCES and the message
// stays; with 0644 the same peer copies it.
func TestMsgCopyWithoutReadPermissionFailsEACCES(t *testing.T) {
	sys.RequireKernel(t, "3.8", "MSG_COPY")
	cred := sys.OtherUID(t)
	id := mkQueue(t, 0o622)
	mustSnd(t, id, 3, "kept")
	if _, _, err := Rcv(id, 16, 0, MSG_COPY|IPC_NOWAIT); errors.Is(err, unix.ENOSYS) {
		t.Skip("MSG_COPY: ENOSYS: this kernel is built without CONFIG_CHECKPOINT_RESTORE")
	} else if err != nil {
		t.Fatalf("MSG_COPY by the owner: %s", sys.ErrnoName(err))
	}
	other := spawnMsg(t, proc.PeerSpec{Credential: cred})
	other.Must(t, "EACCES", "rcv %d 16 0 %d", id, MSG_COPY|IPC_NOWAIT)
	requireQueued(t, id, 1, 4, "after the refused MSG_COPY")
	ds := stat(t, id)
	ds.Perm.Mode = 0o644
	if err := Set(id, &ds); err != nil {
		t.Fatalf("IPC_SET mode 0644: %s", sys.ErrnoName(err))
	}
	other.Must(t, "3:kept", "rcv %d 16 0 %d", id, MSG_COPY|IPC_NOWAIT)
	requireQueued(t, id, 1, 4, "after the other user's MSG_COPY")
}
