package sysvmsg

import (
	"slices"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// A process of another user gets what the queue's mode grants "others"
// (root bypasses the checks, so the peer runs as uid 65534): msgsnd needs
// w, msgrcv and IPC_STAT need r, and a denied call fails with EACCES
// before anything else (a denied msgrcv on a queue holding a message is
// EACCES, not a message); 0600 grants neither, 0644 reading only, 0622
// writing only, 0666 both.
func TestOtherUserGetsWhatTheModeGrants(t *testing.T) {
	cred := sys.OtherUID(t)
	other := spawnMsg(t, proc.PeerSpec{Credential: cred})
	for _, c := range []struct {
		what           string
		mode           int
		snd, rcv, stat string
	}{
		{"0600 grants nothing", 0o600, "EACCES", "EACCES", "EACCES"},
		{"0644 grants reading", 0o644, "EACCES", "1:root's", "0644"},
		{"0622 grants writing", 0o622, "ok", "EACCES", "EACCES"},
		{"0666 grants both", 0o666, "ok", "1:root's", "0666"},
	} {
		t.Run(c.what, func(t *testing.T) {
			id := mkQueue(t, c.mode)
			mustSnd(t, id, 1, "root's")
			check := func(got, want, what string) {
				t.Helper()
				if got != want {
					t.Errorf("uid %d, queue mode %#o: %s: %s, want %s", sys.OtherUser, c.mode, what, got, want)
				}
			}
			check(other.Ask(t, "rcv %d 16 0 %#x", id, IPC_NOWAIT), c.rcv, "msgrcv")
			check(other.Ask(t, "snd %d 2 other's %#x", id, IPC_NOWAIT), c.snd, "msgsnd")
			check(other.Ask(t, "stat %d", id), c.stat, "IPC_STAT")
			var want []string
			if c.rcv == "EACCES" {
				want = append(want, "1:root's")
			}
			if c.snd == "ok" {
				want = append(want, "2:other's")
			}
			if got := drain(t, id, 0, 0); !slices.Equal(got, want) {
				t.Errorf("queue mode %#o: left %q, want %q", c.mode, got, want)
			}
		})
	}
}

// msgget by key checks only the access the caller asks for in the low 9
// bits of msgflg: another user looking up a 0600 queue with flags 0 gets
// its id, but asking for read or write (0400, 0200), or IPC_CREAT|0600 on
// the existing queue, is EACCES; on a 0644 queue, asking for read is
// granted and for write is not.
func TestMsggetByKeyChecksTheRequestedPermissions(t *testing.T) {
	cred := sys.OtherUID(t)
	other := spawnMsg(t, proc.PeerSpec{Credential: cred})
	for _, c := range []struct {
		what        string
		mode, flags int
		ok          bool
	}{
		{"0600 asking nothing", 0o600, 0, true},
		{"0600 asking read", 0o600, 0o400, false},
		{"0600 asking write", 0o600, 0o200, false},
		{"0600 with IPC_CREAT", 0o600, unix.IPC_CREAT | 0o600, false},
		{"0644 asking read", 0o644, 0o444, true},
		{"0644 asking write", 0o644, 0o600, false},
		{"0666 with IPC_CREAT", 0o666, unix.IPC_CREAT | 0o666, true},
	} {
		t.Run(c.what, func(t *testing.T) {
			key, _ := sysv.NewKey(t, 'm')
			id := mkKeyedQueue(t, key, c.mode)
			want := "EACCES"
			if c.ok {
				want = strconv.Itoa(id)
			}
			if got := other.Ask(t, "get %d %d", key, c.flags); got != want {
				t.Errorf("uid %d: msgget of a %#o queue with flags %#o: %s, want %s", sys.OtherUser, c.mode, c.flags, got, want)
			}
		})
	}
}

// IPC_SET and IPC_RMID belong to the owner and the creator, whatever the
// mode: another user gets EPERM even on a 0666 queue, until IPC_SET makes
// it the owner, after which it may change the mode and remove the queue.
func TestOnlyOwnerOrCreatorMaySetOrRemove(t *testing.T) {
	cred := sys.OtherUID(t)
	other := spawnMsg(t, proc.PeerSpec{Credential: cred})
	id := mkQueue(t, 0o666)
	other.Must(t, "EPERM", "chmod %d %d", id, 0o600)
	other.Must(t, "EPERM", "rmid %d", id)

	ds := stat(t, id)
	ds.Perm.Uid = sys.OtherUser
	if err := Set(id, &ds); err != nil {
		t.Fatalf("IPC_SET uid %d: %s", sys.OtherUser, sys.ErrnoName(err))
	}
	other.Must(t, "ok", "chmod %d %d", id, 0o600)
	other.Must(t, "0600", "stat %d", id) // the owner's bits now apply to it
	other.Must(t, "ok", "rmid %d", id)
	_, err := Stat(id)
	sys.RequireErrno(t, err, unix.EINVAL, "IPC_STAT after the new owner removed the queue")
}

// IPC_SET re-checks the processes asleep on the queue: a receiver of
// another user, asleep on a 0666 queue, fails with EACCES once the owner
// takes away its access (ipc/msg.c wakes every receiver to try again). A
// sender is woken only when its message fits, so a sender of another user
// asleep on a full queue sleeps on through the IPC_SET and fails with
// EACCES only when a message leaves and it tries again.
func TestIPCSetWakesSleepersItExcludes(t *testing.T) {
	cred := sys.OtherUID(t)
	empty, full := mkQueue(t, 0o666), mkQueue(t, 0o666)
	n := fill(t, full)
	recv := spawnMsg(t, proc.PeerSpec{Credential: cred})
	recv.Start(t, "rcv %d 16 0 0", empty)
	recv.requireBlocked(t, rcvWait, "another user's msgrcv on an empty 0666 queue")
	sender := spawnMsg(t, proc.PeerSpec{Credential: cred})
	sender.Start(t, "snd %d 1 x 0", full)
	sender.requireBlocked(t, sndWait, "another user's msgsnd to a full 0666 queue")

	for _, id := range []int{empty, full} {
		ds := stat(t, id)
		ds.Perm.Mode = 0o600
		if err := Set(id, &ds); err != nil {
			t.Fatalf("IPC_SET mode 0600: %s", sys.ErrnoName(err))
		}
	}
	recv.Expect(t, "EACCES")
	sender.requireBlocked(t, sndWait, "another user's msgsnd to a full queue made 0600")
	// The first message fill sent, taken whole.
	msgmax := readLimits(t).Max
	first := message(9, filler(min(int(stat(t, full).Qbytes), msgmax)), nil)
	if m := rcv(full, msgmax, 0, 0); m != first {
		t.Fatalf("msgrcv from the full queue: %.20q (%d bytes), want %.20q (%d bytes)", m, len(m), first, len(first))
	}
	sender.Expect(t, "EACCES")
	if q := stat(t, full).Qnum; q != uint64(n-1) {
		t.Fatalf("msg_qnum %d after one of %d messages left and the excluded sender gave up, want %d", q, n, n-1)
	}
}

// MSG_STAT by index checks read permission like IPC_STAT; MSG_STAT_ANY
// (Linux 4.17) does not: another user gets EACCES and the id respectively
// for a 0600 queue. The feature is probed, not inferred from the version:
// a kernel without it rejects the unknown command with EINVAL, and a
// sandbox such as gVisor reports an old version while implementing it.
func TestMsgStatAnySkipsThePermissionCheck(t *testing.T) {
	cred := sys.OtherUID(t)
	id := mkQueue(t, 0o600)
	maxIdx, _, err := Info(IPC_INFO)
	if err != nil {
		t.Fatalf("IPC_INFO: %s", sys.ErrnoName(err))
	}
	index := sysv.IndexOf(t, id, maxIdx, func(i int) (int, error) { got, _, err := StatIndex(i, MSG_STAT); return got, err })
	// The index holds a queue the test may read: EINVAL can only mean
	// the command is unknown.
	got, _, err := StatIndex(index, MSG_STAT_ANY)
	sys.RequireFeature(t, "4.17", "MSG_STAT_ANY", err, unix.EINVAL)
	if got != id {
		t.Fatalf("MSG_STAT_ANY of index %d: id %d, want %d", index, got, id)
	}
	other := spawnMsg(t, proc.PeerSpec{Credential: cred})
	other.Must(t, "EACCES", "statidx %d %d", index, MSG_STAT)
	other.Must(t, strconv.Itoa(id), "statidx %d %d", index, MSG_STAT_ANY)
}
