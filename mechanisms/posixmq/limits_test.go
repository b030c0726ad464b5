package posixmq

import (
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Without CAP_SYS_RESOURCE, mq_open refuses to create a queue whose
// mq_maxmsg is above fs/mqueue/msg_max or whose mq_msgsize is above
// fs/mqueue/msgsize_max with EINVAL, and accepts both limits exactly (man
// 7 mq_overview). The creator is a peer of another uid, which has no
// capabilities whatever the test process has. No queue is made by the
// refused calls.
func TestAttrAboveLimitsIsEINVAL(t *testing.T) {
	cred := sys.OtherUID(t)
	requireQueueIO(t)
	msgMax, msgsizeMax := sys.RequireSysctl(t, "fs/mqueue/msg_max"), sys.RequireSysctl(t, "fs/mqueue/msgsize_max")
	peer := spawnMq(t, proc.PeerSpec{Credential: cred})
	for _, c := range []struct {
		name            string
		maxmsg, msgsize int
		want            string // "fd" for a queue made
	}{
		{"maxmsg_at_msg_max_accepted", msgMax, 8, "fd"},
		{"maxmsg_above_msg_max_EINVAL", msgMax + 1, 8, "EINVAL"},
		{"msgsize_at_msgsize_max_accepted", 1, msgsizeMax, "fd"},
		{"msgsize_above_msgsize_max_EINVAL", 1, msgsizeMax + 1, "EINVAL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := proc.Name()
			unlinkAtEnd(t, name)
			got := peer.Ask(t, "open %s %#x 0o600 %d %d", name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, c.maxmsg, c.msgsize)
			if fd, err := strconv.Atoi(got); err == nil {
				peer.Must(t, "ok", "close %d", fd)
				got = "fd"
			}
			if got != c.want {
				t.Fatalf("uid %d: mq_open with maxmsg %d, msgsize %d: %s, want %s", cred.Uid, c.maxmsg, c.msgsize, got, c.want)
			}
			fd, err := Open(name, unix.O_RDONLY, 0, nil)
			if c.want == "EINVAL" {
				if err == nil {
					sys.Own(t, fd)
				}
				sys.RequireErrno(t, err, unix.ENOENT, "mq_open of the name a refused mq_open gave")
				return
			}
			if err != nil {
				t.Fatalf("mq_open of the queue the peer made: %s", sys.ErrnoName(err))
			}
			sys.Own(t, fd)
			if a := attr(t, fd); a.Maxmsg != int64(c.maxmsg) || a.Msgsize != int64(c.msgsize) {
				t.Fatalf("mq_getattr: maxmsg %d, msgsize %d; want %d and %d", a.Maxmsg, a.Msgsize, c.maxmsg, c.msgsize)
			}
		})
	}
}

// O_CREAT|O_EXCL on an existing name fails with EEXIST, also for another
// process; O_CREAT alone opens the same queue, whose attributes the second
// caller's attr does not change.
func TestCreateExclusiveOnExistingNameIsEEXIST(t *testing.T) {
	q := mkQueue(t, 0, 3, 16)
	mustSend(t, q.fd, "first", 1)
	peer := spawnMq(t, proc.PeerSpec{})
	peer.Must(t, "EEXIST", "open %s %#x 0o600 0 0", q.name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR)
	fd := peer.open(t, q.name, unix.O_CREAT|unix.O_RDWR)
	peer.Must(t, "1:first", "rcv %d 16", fd)
	if a := attr(t, q.fd); a.Maxmsg != 3 || a.Msgsize != 16 {
		t.Fatalf("mq_getattr after the second open: maxmsg %d, msgsize %d; want 3 and 16", a.Maxmsg, a.Msgsize)
	}
}

// The queue's name is one path component of at most NAME_MAX bytes: a
// second '/' is EACCES (the lookup refuses a name with a slash) and a name
// of NAME_MAX+1 bytes is ENAMETOOLONG; NAME_MAX bytes pass.
func TestBadNamesAreRefused(t *testing.T) {
	const nameMax = 255
	long := func(n int) string {
		name := proc.Name() + "."
		return name + strings.Repeat("n", n-len(name))
	}
	for _, c := range []struct {
		rule, name string
		want       unix.Errno
	}{
		{"second_slash_EACCES", proc.Name() + "/x", unix.EACCES},
		{"longer_than_NAME_MAX_ENAMETOOLONG", long(nameMax + 1), unix.ENAMETOOLONG},
		{"NAME_MAX_accepted", long(nameMax), 0},
	} {
		t.Run(c.rule, func(t *testing.T) {
			fd, err := Open(c.name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600, nil)
			if err == nil {
				unlinkAtEnd(t, c.name)
				sys.Own(t, fd)
			}
			if c.want == 0 {
				if err != nil {
					t.Fatalf("mq_open of a name of %d bytes: %s", len(c.name), sys.ErrnoName(err))
				}
				return
			}
			sys.RequireErrno(t, err, c.want, "mq_open of "+strconv.Quote(c.name))
		})
	}
}

// create makes the peer create name with O_CREAT|O_EXCL|O_RDWR, mode 0600,
// maxmsg and msgsize, and returns its answer: an fd, or an errno's name.
func (p mqPeer) create(t *testing.T, name string, maxmsg, msgsize int) string {
	t.Helper()
	return p.Ask(t, "open %s %#x 0o600 %d %d", name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, maxmsg, msgsize)
}

// mustCreate is create that fails the test unless the peer got an fd.
func (p mqPeer) mustCreate(t *testing.T, name string, maxmsg, msgsize int) int {
	t.Helper()
	got := p.create(t, name, maxmsg, msgsize)
	fd, err := strconv.Atoi(got)
	if err != nil {
		t.Fatalf("peer %d: mq_open(%s, O_CREAT|O_EXCL, maxmsg %d, msgsize %d): %s", p.Pid, name, maxmsg, msgsize, got)
	}
	return fd
}

// capSysResource is CAP_SYS_RESOURCE, which lifts queues_max.
const capSysResource = unix.CAP_SYS_RESOURCE

// Without CAP_SYS_RESOURCE, mq_open cannot create a queue once the IPC
// namespace holds fs/mqueue/queues_max of them: ENOSPC (man 7
// mq_overview). A queue counts until it is gone, not merely unlinked:
// unlinked but still open it keeps its place. Opening an existing queue
// makes none, and the limit is the namespace's own. The peer sets the
// limit in an IPC namespace of its own, so that no other process runs
// into it, and drops CAP_SYS_RESOURCE from its effective set.
func TestQueuesMaxIsENOSPC(t *testing.T) {
	sys.RequireCap(t, unix.CAP_SYS_ADMIN, "CAP_SYS_ADMIN", "the peer makes an IPC namespace to lower queues_max in")
	const queuesMax = 2
	peer := mqPeer{proc.Spawn(t, "mq-ipcns", proc.PeerSpec{})}
	switch got := peer.Ask(t, "limit queues_max %d", queuesMax); got {
	case "ok":
	case "ENOENT":
		t.Skipf("the kernel (%s) has no fs/mqueue/queues_max to lower", sys.KernelRelease())
	default:
		t.Fatalf("peer: write %d to fs/mqueue/queues_max: %s", queuesMax, got)
	}
	peer.Must(t, "ok", "cap %d off", capSysResource)
	names := []string{proc.Name(), proc.Name(), proc.Name()}
	fds := []int{peer.mustCreate(t, names[0], 1, 8), peer.mustCreate(t, names[1], 1, 8)}
	peer.Must(t, "ENOSPC", "open %s %#x 0o600 1 8", names[2], unix.O_CREAT|unix.O_EXCL|unix.O_RDWR)

	t.Run("existing_queue_opens", func(t *testing.T) {
		fd := peer.open(t, names[0], unix.O_CREAT|unix.O_RDWR)
		peer.Must(t, "ok", "close %d", fd)
	})
	t.Run("namespace_of_its_own", func(t *testing.T) {
		// The test's namespace, whose queues_max is untouched, takes more
		// queues than the peer's, and the peer does not see them.
		var q queue
		for range queuesMax + 1 {
			q = mkQueue(t, 0, 1, 8)
		}
		peer.Must(t, "ENOENT", "open %s %#x 0 0 0", q.name, unix.O_RDWR)
	})
	t.Run("unlinked_but_open_still_counts", func(t *testing.T) {
		peer.Must(t, "ok", "unlink %s", names[0])
		peer.Must(t, "ENOSPC", "open %s %#x 0o600 1 8", names[2], unix.O_CREAT|unix.O_EXCL|unix.O_RDWR)
		peer.Must(t, "ok", "close %d", fds[0])
		fd := peer.mustCreate(t, names[2], 1, 8)
		peer.Must(t, "ENOSPC", "open %s %#x 0o600 1 8", names[0], unix.O_CREAT|unix.O_EXCL|unix.O_RDWR)
		fds[0] = fd
	})
	t.Run("CAP_SYS_RESOURCE_lifts_it", func(t *testing.T) {
		if got := peer.Ask(t, "cap %d on", capSysResource); got != "ok" {
			t.Skipf("the peer cannot raise CAP_SYS_RESOURCE (%s): not in its permitted set", got)
		}
		peer.mustCreate(t, names[0], 1, 8)
	})
}

// mq_open fails with EMFILE when a new queue would take the bytes charged
// to its creator's real uid above the creator's RLIMIT_MSGQUEUE (man 7
// mq_overview, man 2 getrlimit): a queue is charged about mq_maxmsg times
// mq_msgsize, the count is the user's across processes and another user
// has a count of its own, and a queue's charge goes only when the queue is
// gone, not at mq_unlink. No capability lifts the limit. The peers use a
// uid no other test creates queues as, so that the count is this test's.
func TestRlimitMsgqueueIsEMFILE(t *testing.T) {
	other := sys.OtherUID(t)
	requireQueueIO(t)
	msgMax, msgsizeMax := sys.RequireSysctl(t, "fs/mqueue/msg_max"), sys.RequireSysctl(t, "fs/mqueue/msgsize_max")
	// One queue's messages take more than half of the limit: one fits with
	// room for the kernel's own accounting, and two do not.
	const limit = 1 << 16
	maxmsg := min(msgMax, 8)
	msgsize := limit/2/maxmsg + 1
	if msgsize > msgsizeMax {
		t.Skipf("a queue of %d messages of %d bytes needs msgsize_max %d or more; it is %d", maxmsg, msgsize, msgsize, msgsizeMax)
	}
	own := *other
	own.Uid = sys.OtherUser - 1
	spawn := func(cred *syscall.Credential) mqPeer {
		p := spawnMq(t, proc.PeerSpec{Credential: cred})
		p.Must(t, "ok", "rlimit %d", limit)
		return p
	}
	first, second, third := proc.Name(), proc.Name(), proc.Name()
	for _, name := range []string{first, second, third} {
		unlinkAtEnd(t, name)
	}
	a, b := spawn(&own), spawn(&own)
	afd := a.mustCreate(t, first, maxmsg, msgsize)
	if got := a.create(t, second, maxmsg, msgsize); got != "EMFILE" {
		t.Fatalf("uid %d's second queue of %d bytes under RLIMIT_MSGQUEUE %d: %s, want EMFILE", own.Uid, maxmsg*msgsize, limit, got)
	}
	t.Run("count_is_the_users", func(t *testing.T) {
		if got := b.create(t, second, maxmsg, msgsize); got != "EMFILE" {
			t.Fatalf("another process of uid %d: %s, want EMFILE", own.Uid, got)
		}
	})
	t.Run("another_user_counts_apart", func(t *testing.T) {
		c := spawn(other)
		fd := c.mustCreate(t, third, maxmsg, msgsize)
		c.Must(t, "ok", "close %d", fd)
		c.Must(t, "ok", "unlink %s", third)
	})
	t.Run("charge_goes_with_the_queue", func(t *testing.T) {
		a.Must(t, "ok", "unlink %s", first)
		if got := b.create(t, second, maxmsg, msgsize); got != "EMFILE" {
			t.Fatalf("with uid %d's queue unlinked but open: %s, want EMFILE", own.Uid, got)
		}
		a.Must(t, "ok", "close %d", afd)
		b.mustCreate(t, second, maxmsg, msgsize)
	})
}
