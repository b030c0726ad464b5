package posixmq

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A process of another uid opens a queue only for the access its mode
// grants to others, and gets EACCES otherwise (man 3 mq_open); root,
// which bypasses the check, makes the queue and sets its mode.
func TestOtherUIDGetsEACCESAsTheModeSays(t *testing.T) {
	cred := sys.OtherUID(t)
	requireQueueIO(t)
	peer := spawnMq(t, proc.PeerSpec{Credential: cred})
	for _, c := range []struct {
		mode         uint32
		rd, wr, rdwr string // "fd" for an open that succeeds
	}{
		{0o600, "EACCES", "EACCES", "EACCES"},
		{0o604, "fd", "EACCES", "EACCES"},
		{0o602, "EACCES", "fd", "EACCES"},
		{0o606, "fd", "fd", "fd"},
	} {
		t.Run("mode_"+strconv.FormatUint(uint64(c.mode), 8), func(t *testing.T) {
			q := mkQueue(t, 0, 2, 8)
			if err := unix.Fchmod(q.fd, c.mode); err != nil {
				t.Fatalf("fchmod(%#o) on the queue: %s", c.mode, sys.ErrnoName(err))
			}
			for _, o := range []struct {
				flags int
				name  string
				want  string
			}{{unix.O_RDONLY, "O_RDONLY", c.rd}, {unix.O_WRONLY, "O_WRONLY", c.wr}, {unix.O_RDWR, "O_RDWR", c.rdwr}} {
				got := peer.Ask(t, "open %s %#x 0 0 0", q.name, o.flags)
				if fd, err := strconv.Atoi(got); err == nil {
					peer.Must(t, "ok", "close %d", fd)
					got = "fd"
				}
				if got != o.want {
					t.Errorf("uid %d: mq_open(%s) of a queue of mode %#o: %s, want %s", cred.Uid, o.name, c.mode, got, o.want)
				}
			}
		})
	}
}
