package sysvmsg

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// Queues belong to an IPC namespace (man 7 ipc_namespaces): a peer that
// sees the test's queue by key and by id stops seeing it once it moves to
// a new namespace (ENOENT by key, EINVAL by id), and may make a queue of
// its own under the same key there. A kernel that kept one table for all
// namespaces would answer the id both times.
func TestQueueIsInvisibleFromAnotherIPCNamespace(t *testing.T) {
	key, _ := sysv.NewKey(t, 'n')
	id := mkKeyedQueue(t, key, 0o666)
	mustSnd(t, id, 1, "here")
	peer := spawnMsg(t, proc.PeerSpec{})
	peer.Must(t, strconv.Itoa(id), "get %d 0", key)
	peer.Must(t, "0666", "stat %d", id)
	peer.Must(t, "ok", "unshare")
	peer.Must(t, "ENOENT", "get %d 0", key)
	peer.Must(t, "EINVAL", "stat %d", id)
	peer.Must(t, "EINVAL", "rcv %d 16 0 %d", id, IPC_NOWAIT)
	if line := peer.Ask(t, "get %d %d", key, unix.IPC_CREAT|unix.IPC_EXCL|0o600); line == "EEXIST" {
		t.Fatalf("msgget(IPC_CREAT|IPC_EXCL) of the test's key in a new namespace: EEXIST, want a queue of its own")
	} else if _, err := strconv.Atoi(line); err != nil {
		t.Fatalf("msgget(IPC_CREAT|IPC_EXCL) of the test's key in a new namespace: %s", line)
	}
	requireQueued(t, id, 1, 4, "the test's queue after the peer's namespace made its own")
}

// /proc/sys/kernel/msg_next_id (checkpoint/restore's knob, per namespace)
// makes the next queue's identifier exactly the value written, once
// (sysv.RequireNextID), and the queue is then found under it.
func TestMsgNextIDChoosesTheNextIdentifier(t *testing.T) {
	const want = 2<<15 + 1234 // beyond a fresh namespace's counters
	sysv.RequireNextID(t, "msg_next_id", want, "queue", func() int { return mkQueue(t, 0o600) })
	peer := spawnMsg(t, proc.PeerSpec{})
	peer.Must(t, "0600", "stat %d", want)
}
