package sysvmsg

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// A queue has kernel persistence: a process creates it by key, sends
// three messages and exits; the queue and its messages are still there
// for another process, which finds it by the same key, until IPC_RMID.
// After IPC_RMID the key finds nothing (ENOENT), the identifier is invalid
// (EINVAL), the unread message is gone with the queue, and a queue made
// again with the key is a new, empty one.
func TestQueueOutlivesItsCreator(t *testing.T) {
	key, _ := sysv.NewKey(t, 'm')
	creator := spawnMsg(t, proc.PeerSpec{})
	idStr := creator.Ask(t, "get %d %#o", key, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	id, err := strconv.Atoi(idStr)
	if err != nil {
		t.Fatalf("peer's msgget(IPC_CREAT|IPC_EXCL): %s", idStr)
	}
	removeAtEnd(t, id)
	creator.Must(t, "ok", "sndseq %d 1:first,2:second,3:third", id)
	creator.Send(t, "exit")
	creator.RequireExit(t, 0)

	if got, err := Get(key, 0); err != nil || got != id {
		t.Fatalf("msgget(key, 0) after the creator exited: %d, %s; want %d", got, sys.ErrnoName(err), id)
	}
	ds := stat(t, id)
	if ds.Qnum != 3 || ds.Lspid != int32(creator.Pid) || ds.Perm.Key != int32(key) {
		t.Fatalf("IPC_STAT after the creator exited: msg_qnum %d, msg_lspid %d, key %#x; want 3, %d, %#x",
			ds.Qnum, ds.Lspid, ds.Perm.Key, creator.Pid, key)
	}
	reader := spawnMsg(t, proc.PeerSpec{})
	reader.Must(t, "1:first", "rcv %d 16 0 %#x", id, IPC_NOWAIT)
	reader.Must(t, "2:second", "rcv %d 16 0 %#x", id, IPC_NOWAIT)

	if err := Remove(id); err != nil {
		t.Fatalf("IPC_RMID: %s", sys.ErrnoName(err))
	}
	_, err = Get(key, 0)
	sys.RequireErrno(t, err, unix.ENOENT, "msgget(key, 0) after IPC_RMID")
	reader.Must(t, "EINVAL", "rcv %d 16 0 %#x", id, IPC_NOWAIT)
	reader.Must(t, "EINVAL", "snd %d 1 x %#x", id, IPC_NOWAIT)
	_, err = Stat(id)
	sys.RequireErrno(t, err, unix.EINVAL, "IPC_STAT after IPC_RMID")
	err = Remove(id)
	sys.RequireErrno(t, err, unix.EINVAL, "a second IPC_RMID")

	again := mkKeyedQueue(t, key, 0o600)
	if again == id {
		t.Fatalf("the queue made again with the key has the removed queue's id %d", id)
	}
	requireQueued(t, again, 0, 0, "a new queue with the removed queue's key")
}

// IPC_RMID wakes every process asleep on the queue, receivers and senders
// alike, with EIDRM (man 2 msgop, msgctl).
func TestRemoveWakesSleepersWithEIDRM(t *testing.T) {
	id := mkQueue(t, 0o600)
	fill(t, id)
	recv := spawnMsg(t, proc.PeerSpec{})
	recv.Start(t, "rcv %d 16 5 0", id) // type 5: none is queued
	recv.requireBlocked(t, rcvWait, "msgrcv of an absent type")
	recv2 := spawnMsg(t, proc.PeerSpec{})
	recv2.Start(t, "rcv %d 16 -4 0", id)
	recv2.requireBlocked(t, rcvWait, "msgrcv of msgtyp -4 with only type 9 queued")
	sender := spawnMsg(t, proc.PeerSpec{})
	sender.Start(t, "snd %d 1 x 0", id)
	sender.requireBlocked(t, sndWait, "msgsnd to a full queue")

	if err := Remove(id); err != nil {
		t.Fatalf("IPC_RMID: %s", sys.ErrnoName(err))
	}
	recv.Expect(t, "EIDRM")
	recv2.Expect(t, "EIDRM")
	sender.Expect(t, "EIDRM")
}
