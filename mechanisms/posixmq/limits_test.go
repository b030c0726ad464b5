package posixmq

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// readLimit reads /proc/sys/fs/mqueue/NAME, a limit of the IPC namespace.
func readLimit(t *testing.T, name string) int {
	t.Helper()
	data, err := os.ReadFile("/proc/sys/fs/mqueue/" + name)
	if err != nil {
		t.Skipf("no mqueue limit %s to compare with: %v", name, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("/proc/sys/fs/mqueue/%s: %v", name, err)
	}
	return n
}

// Without CAP_SYS_RESOURCE, mq_open refuses to create a queue whose
// mq_maxmsg is above fs/mqueue/msg_max or whose mq_msgsize is above
// fs/mqueue/msgsize_max with EINVAL, and accepts both limits exactly (man
// 7 mq_overview). The creator is a peer of another uid, which has no
// capabilities whatever the test process has. No queue is made by the
// refused calls.
func TestAttrAboveLimitsIsEINVAL(t *testing.T) {
	cred := sys.OtherUID(t)
	requireQueueIO(t)
	msgMax, msgsizeMax := readLimit(t, "msg_max"), readLimit(t, "msgsize_max")
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
