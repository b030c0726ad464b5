package sysvmsg

import (
	"os"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// IPC_STAT reports the queue as other processes leave it (man 2 msgctl):
// a new queue has no messages, msg_qbytes = msgmnb, no last sender or
// receiver and zero send and receive times, the creator as owner and
// creator, and the mode it was made with; each msgsnd sets msg_lspid to
// the sender's pid and msg_stime to now and adds to msg_qnum and
// msg_cbytes; each msgrcv sets msg_lrpid and msg_rtime and takes away.
func TestStatAfterPeersSendAndReceive(t *testing.T) {
	l := readLimits(t)
	before := time.Now().Unix()
	id := mkQueue(t, 0o640)
	ds := stat(t, id)
	uid, gid := uint32(os.Geteuid()), uint32(os.Getegid())
	if ds.Qnum != 0 || ds.Cbytes != 0 || ds.Qbytes != uint64(l.Mnb) || ds.Lspid != 0 || ds.Lrpid != 0 || ds.Stime != 0 || ds.Rtime != 0 {
		t.Fatalf("new queue: qnum %d cbytes %d qbytes %d lspid %d lrpid %d stime %d rtime %d; want 0 0 %d 0 0 0 0",
			ds.Qnum, ds.Cbytes, ds.Qbytes, ds.Lspid, ds.Lrpid, ds.Stime, ds.Rtime, l.Mnb)
	}
	if p := ds.Perm; p.Uid != uid || p.Cuid != uid || p.Gid != gid || p.Cgid != gid || p.Mode&0o777 != 0o640 {
		t.Fatalf("new queue's msg_perm: uid %d cuid %d gid %d cgid %d mode %#o; want %d %d %d %d 0640",
			p.Uid, p.Cuid, p.Gid, p.Cgid, p.Mode, uid, uid, gid, gid)
	}
	sysv.RequireStamp(t, "msg_ctime of a new queue", ds.Ctime, before)

	sender := spawnMsg(t, proc.PeerSpec{})
	before = time.Now().Unix()
	sender.Must(t, "ok", "sndseq %d 1:0123456789,2:01234567890123456789", id)
	ds = stat(t, id)
	if ds.Qnum != 2 || ds.Cbytes != 30 || ds.Lspid != int32(sender.Pid) || ds.Lrpid != 0 || ds.Rtime != 0 {
		t.Fatalf("after a peer sent 10 and 20 bytes: qnum %d cbytes %d lspid %d lrpid %d rtime %d; want 2 30 %d 0 0",
			ds.Qnum, ds.Cbytes, ds.Lspid, ds.Lrpid, ds.Rtime, sender.Pid)
	}
	sysv.RequireStamp(t, "msg_stime after the peer's msgsnd", ds.Stime, before)

	receiver := spawnMsg(t, proc.PeerSpec{})
	before = time.Now().Unix()
	receiver.Must(t, "1:0123456789", "rcv %d 64 0 %#x", id, IPC_NOWAIT)
	ds = stat(t, id)
	if ds.Qnum != 1 || ds.Cbytes != 20 || ds.Lspid != int32(sender.Pid) || ds.Lrpid != int32(receiver.Pid) {
		t.Fatalf("after another peer received 10 bytes: qnum %d cbytes %d lspid %d lrpid %d; want 1 20 %d %d",
			ds.Qnum, ds.Cbytes, ds.Lspid, ds.Lrpid, sender.Pid, receiver.Pid)
	}
	sysv.RequireStamp(t, "msg_rtime after the peer's msgrcv", ds.Rtime, before)

	// "Last" is the last: a third process sends, the first receives.
	third := spawnMsg(t, proc.PeerSpec{})
	third.Must(t, "ok", "snd %d 3 x 0", id)
	sender.Must(t, "2:01234567890123456789", "rcv %d 64 0 0", id)
	if ds = stat(t, id); ds.Qnum != 1 || ds.Cbytes != 1 || ds.Lspid != int32(third.Pid) || ds.Lrpid != int32(sender.Pid) {
		t.Fatalf("after a third peer sent and the first received: qnum %d cbytes %d lspid %d lrpid %d; want 1 1 %d %d",
			ds.Qnum, ds.Cbytes, ds.Lspid, ds.Lrpid, third.Pid, sender.Pid)
	}
}

// msg_lrpid is the receiver's process id when its msgrcv finds the
// message queued, even from a thread other than the main one. A receiver
// asleep in msgrcv, though, is handed the message by the sender
// (pipelined_send in ipc/msg.c), which records the waiting task's own id:
// for a thread other than the main one, not the process id that man 2
// msgctl promises. The test accepts either there, and says which this
// kernel records.
func TestLrpidFromAnotherThread(t *testing.T) {
	id := mkQueue(t, 0o600)
	recv := spawnMsg(t, proc.PeerSpec{})
	mustSnd(t, id, 1, "queued")
	recv.Start(t, "rcv-thread %d 16 0", id)
	tid := recv.Thread(t)
	recv.Expect(t, "1:queued")
	if lrpid := int(stat(t, id).Lrpid); lrpid != recv.Pid {
		t.Fatalf("msg_lrpid %d after thread %d took a queued message, want the receiver's pid %d", lrpid, tid, recv.Pid)
	}

	recv.Start(t, "rcv-thread %d 16 0", id)
	tid = recv.Thread(t)
	recv.requireBlocked(t, rcvWait, "msgrcv on an empty queue")
	mustSnd(t, id, 2, "handed")
	recv.Expect(t, "2:handed")
	switch lrpid := int(stat(t, id).Lrpid); lrpid {
	case tid:
		t.Logf("msg_lrpid %d is the id of the thread that slept, not the receiver's pid %d", lrpid, recv.Pid)
	case recv.Pid:
		t.Logf("msg_lrpid %d is the receiver's pid", lrpid)
	default:
		t.Fatalf("msg_lrpid %d, want the receiver's pid %d or the id %d of its thread that slept", lrpid, recv.Pid, tid)
	}
}

// msg_qbytes may be lowered by the owner, and then bounds the queue; it
// may be raised up to msgmnb, but above msgmnb only with CAP_SYS_RESOURCE
// (EPERM otherwise, the queue unchanged). Raising it wakes a sender that
// sleeps for room (man 2 msgctl).
func TestQbytesLowerAndRaise(t *testing.T) {
	l := readLimits(t)
	id := mkQueue(t, 0o600)
	err := setQbytes(t, id, uint64(l.Mnb)+1)
	if sys.HasCap(unix.CAP_SYS_RESOURCE) {
		if err != nil {
			t.Fatalf("IPC_SET msg_qbytes msgmnb+1 with CAP_SYS_RESOURCE: %s", sys.ErrnoName(err))
		}
		t.Log("has CAP_SYS_RESOURCE: msg_qbytes above msgmnb allowed")
	} else {
		sys.RequireErrno(t, err, unix.EPERM, "IPC_SET msg_qbytes msgmnb+1 without CAP_SYS_RESOURCE")
		if q := stat(t, id).Qbytes; q != uint64(l.Mnb) {
			t.Fatalf("msg_qbytes %d after the refused IPC_SET, want %d", q, l.Mnb)
		}
	}

	if err := setQbytes(t, id, 100); err != nil {
		t.Fatalf("IPC_SET msg_qbytes 100: %s", sys.ErrnoName(err))
	}
	if q := stat(t, id).Qbytes; q != 100 {
		t.Fatalf("msg_qbytes %d after IPC_SET 100", q)
	}
	peer := spawnMsg(t, proc.PeerSpec{})
	peer.Must(t, "ok", "sndn %d 1 60 %#x", id, IPC_NOWAIT)
	peer.Must(t, "EAGAIN", "sndn %d 1 41 %#x", id, IPC_NOWAIT)
	peer.Must(t, "ok", "sndn %d 1 40 %#x", id, IPC_NOWAIT)
	requireQueued(t, id, 2, 100, "msg_qbytes 100 filled by 60 and 40 bytes")

	peer.Start(t, "sndn %d 1 30 0", id)
	peer.requireBlocked(t, sndWait, "msgsnd of 30 bytes to a queue at its msg_qbytes of 100")
	if err := setQbytes(t, id, 130); err != nil {
		t.Fatalf("IPC_SET msg_qbytes 130: %s", sys.ErrnoName(err))
	}
	peer.Expect(t, "ok")
	requireQueued(t, id, 3, 130, "after msg_qbytes was raised to 130")
	if err := setQbytes(t, id, uint64(l.Mnb)); err != nil {
		t.Fatalf("IPC_SET msg_qbytes back to msgmnb: %s", sys.ErrnoName(err))
	}
}

// IPC_SET copies the owner's uid and gid and the low 9 bits of the mode,
// leaves the creator's ids, and updates msg_ctime (man 2 msgctl).
func TestIPCSetOwnerAndMode(t *testing.T) {
	id := mkQueue(t, 0o600)
	ds := stat(t, id)
	// The times are whole seconds of a lagging clock: once it is past the
	// creation's msg_ctime, an IPC_SET that sets it changes it.
	sysv.WaitPastStamp(t, ds.Ctime)
	before := time.Now().Unix()
	ds.Perm.Uid, ds.Perm.Gid, ds.Perm.Mode = sys.OtherUser, sys.OtherUser, 0o7644
	if err := Set(id, &ds); err != nil {
		t.Fatalf("IPC_SET: %s", sys.ErrnoName(err))
	}
	got := stat(t, id)
	uid := uint32(os.Geteuid())
	if p := got.Perm; p.Uid != sys.OtherUser || p.Gid != sys.OtherUser || p.Cuid != uid || p.Mode&0o7777 != 0o644 {
		t.Fatalf("after IPC_SET: uid %d gid %d cuid %d mode %#o; want %d %d %d 0644",
			p.Uid, p.Gid, p.Cuid, p.Mode, sys.OtherUser, sys.OtherUser, uid)
	}
	sysv.RequireStamp(t, "msg_ctime after IPC_SET", got.Ctime, before)
}

// IPC_INFO reports the namespace's limits (msgmax, msgmnb, msgmni, and
// MSGSSZ 16); MSG_INFO counts the queues in use (msgpool), the messages
// queued (msgmap) and their bytes (msgtql); both return the highest index
// in use, and MSG_STAT on that range of indexes finds the queue with what
// IPC_STAT says of it.
func TestInfoAndStatByIndex(t *testing.T) {
	l := readLimits(t)
	_, info, err := Info(IPC_INFO)
	if err != nil {
		t.Fatalf("IPC_INFO: %s", sys.ErrnoName(err))
	}
	if info.Max != int32(l.Max) || info.Mnb != int32(l.Mnb) || info.Mni != int32(l.Mni) || info.Ssz != 16 {
		t.Fatalf("IPC_INFO: msgmax %d msgmnb %d msgmni %d msgssz %d; want %d %d %d 16", info.Max, info.Mnb, info.Mni, info.Ssz, l.Max, l.Mnb, l.Mni)
	}
	_, before, err := Info(MSG_INFO)
	if err != nil {
		t.Fatalf("MSG_INFO: %s", sys.ErrnoName(err))
	}
	id := mkQueue(t, 0o600)
	peer := spawnMsg(t, proc.PeerSpec{})
	peer.Must(t, "ok", "sndseq %d 1:0123456789,2:01234567890123456789", id)
	peer.Must(t, "ok", "snd %d 3 - 0", id)
	maxIdx, after, err := Info(MSG_INFO)
	if err != nil {
		t.Fatalf("MSG_INFO: %s", sys.ErrnoName(err))
	}
	// Counts are the namespace's: exact only where no other package's
	// tests make queues in it at the same time.
	if d := [3]int32{after.Pool - before.Pool, after.Map - before.Map, after.Tql - before.Tql}; d != [3]int32{1, 3, 30} && sysv.OwnNamespace() {
		t.Fatalf("MSG_INFO after one queue with 3 messages of 30 bytes: msgpool, msgmap, msgtql grew by %v, want [1 3 30]", d)
	}
	if infoMax, _, _ := Info(IPC_INFO); infoMax != maxIdx {
		t.Fatalf("IPC_INFO returned highest index %d, MSG_INFO %d", infoMax, maxIdx)
	}

	found := -1
	for index := 0; index <= maxIdx; index++ {
		got, ds, err := StatIndex(index, MSG_STAT)
		if err == nil && got == id {
			found = index
			if want := stat(t, id); ds != want {
				t.Fatalf("MSG_STAT of index %d: %+v; IPC_STAT: %+v", index, ds, want)
			}
		}
	}
	if found < 0 {
		t.Fatalf("MSG_STAT over indexes 0..%d did not find queue %d", maxIdx, id)
	}
	_, _, err = StatIndex(maxIdx+1, MSG_STAT)
	sys.RequireErrno(t, err, unix.EINVAL, "MSG_STAT of an index past the highest in use")
}

// Calls on an identifier that is negative, was never made or was removed
// fail with EINVAL, as does an unknown msgctl command (man 2 msgop,
// msgctl).
func TestInvalidIdentifiersAndCommands(t *testing.T) {
	id := mkQueue(t, 0o600)
	removed, err := Get(unix.IPC_PRIVATE, 0o600)
	if err != nil {
		t.Fatalf("msgget: %s", sys.ErrnoName(err))
	}
	if err := Remove(removed); err != nil {
		t.Fatalf("IPC_RMID: %s", sys.ErrnoName(err))
	}
	for _, c := range []struct {
		what string
		bad  int
	}{{"negative id", -1}, {"removed id", removed}, {"id never made", 0x7ffffff0}} {
		t.Run(c.what, func(t *testing.T) {
			what := " on msqid " + strconv.Itoa(c.bad)
			sys.RequireErrno(t, Snd(c.bad, 1, []byte("x"), IPC_NOWAIT), unix.EINVAL, "msgsnd"+what)
			_, _, err := Rcv(c.bad, 16, 0, IPC_NOWAIT)
			sys.RequireErrno(t, err, unix.EINVAL, "msgrcv"+what)
			_, err = Stat(c.bad)
			sys.RequireErrno(t, err, unix.EINVAL, "IPC_STAT"+what)
			ds := stat(t, id)
			sys.RequireErrno(t, Set(c.bad, &ds), unix.EINVAL, "IPC_SET"+what)
			sys.RequireErrno(t, Remove(c.bad), unix.EINVAL, "IPC_RMID"+what)
		})
	}
	t.Run("unknown command", func(t *testing.T) {
		for _, cmd := range []int{-1, 4, 1000} {
			_, err := ctl(id, cmd, nil)
			sys.RequireErrno(t, err, unix.EINVAL, "msgctl command "+strconv.Itoa(cmd))
		}
	})
}

// badPages maps two pages, the second inaccessible, and returns the
// address of the last 8 bytes of the first (a readable mtype whose text
// is not) and of the second.
func badPages(t *testing.T) (edge, none uintptr) {
	t.Helper()
	page := os.Getpagesize()
	mem, err := unix.Mmap(-1, 0, 2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatalf("mmap: %s", sys.ErrnoName(err))
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	if err := unix.Mprotect(mem[page:], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %s", sys.ErrnoName(err))
	}
	SetType(mem[page-HeaderLen:page], 1)
	base := uintptr(unsafe.Pointer(&mem[0]))
	return base + uintptr(page-HeaderLen), base + uintptr(page)
}

// A buffer the process cannot access fails with EFAULT (man 2 msgop,
// msgctl): msgsnd of an unreadable mtype or text, which queues nothing;
// msgrcv into an unwritable buffer, which on Linux has already taken the
// message off the queue and so loses it; msgctl with an unreadable or
// unwritable msqid_ds or msginfo.
func TestBadAddressesFailEFAULT(t *testing.T) {
	edge, none := badPages(t)
	id := mkQueue(t, 0o600)
	_, err := sys.Syscall(unix.SYS_MSGSND, uintptr(id), none, 1, IPC_NOWAIT)
	sys.RequireErrno(t, err, unix.EFAULT, "msgsnd with an unreadable msgbuf")
	_, err = sys.Syscall(unix.SYS_MSGSND, uintptr(id), edge, 1, IPC_NOWAIT)
	sys.RequireErrno(t, err, unix.EFAULT, "msgsnd with a readable mtype and an unreadable text")
	if _, err = sys.Syscall(unix.SYS_MSGSND, uintptr(id), edge, 0, IPC_NOWAIT); err != nil {
		t.Fatalf("empty msgsnd with a readable mtype before an unreadable page: %s", sys.ErrnoName(err))
	}
	requireQueued(t, id, 1, 0, "after the failed msgsnd calls and an empty message")

	mustSnd(t, id, 2, "lost")
	_, err = sys.Syscall(unix.SYS_MSGRCV, uintptr(id), none, 16, 0, IPC_NOWAIT)
	sys.RequireErrno(t, err, unix.EFAULT, "msgrcv into an unwritable msgbuf")
	_, err = sys.Syscall(unix.SYS_MSGRCV, uintptr(id), none, 16, 0, IPC_NOWAIT)
	sys.RequireErrno(t, err, unix.EFAULT, "a second msgrcv into an unwritable msgbuf")
	requireQueued(t, id, 0, 0, "after two msgrcv calls into an unwritable buffer")

	for _, c := range []struct {
		what    string
		id, cmd int
	}{{"IPC_STAT", id, unix.IPC_STAT}, {"IPC_SET", id, unix.IPC_SET}, {"IPC_INFO", 0, IPC_INFO}, {"MSG_INFO", 0, MSG_INFO}} {
		t.Run("msgctl "+c.what, func(t *testing.T) {
			_, err := sys.Syscall(unix.SYS_MSGCTL, uintptr(c.id), uintptr(c.cmd), none)
			sys.RequireErrno(t, err, unix.EFAULT, "msgctl "+c.what+" with an inaccessible buffer")
		})
	}
}

// msgmni bounds the queues of the namespace: with it set to the queues in
// use plus one, one more queue can be made and the next msgget fails with
// ENOSPC (man 2 msgget). The test changes msgmni, so it runs only in the
// package's own IPC namespace.
func TestMsgmniBoundsQueuesENOSPC(t *testing.T) {
	if !sysv.OwnNamespace() {
		t.Skip("runs only in an IPC namespace of its own: it lowers msgmni")
	}
	l := readLimits(t)
	_, info, err := Info(MSG_INFO)
	if err != nil {
		t.Fatalf("MSG_INFO: %s", sys.ErrnoName(err))
	}
	setMni := func(n int) error { return os.WriteFile("/proc/sys/kernel/msgmni", []byte(strconv.Itoa(n)), 0) }
	if err := setMni(int(info.Pool) + 1); err != nil {
		t.Skipf("cannot set msgmni: %v", err)
	}
	t.Cleanup(func() {
		if err := setMni(l.Mni); err != nil {
			t.Errorf("restore msgmni %d: %v", l.Mni, err)
		}
	})
	mkQueue(t, 0o600)
	id, err := Get(unix.IPC_PRIVATE, unix.IPC_CREAT|0o600)
	if err == nil {
		Remove(id)
	}
	sys.RequireErrno(t, err, unix.ENOSPC, "msgget(IPC_PRIVATE) with msgmni queues in use")
}
