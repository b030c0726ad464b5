package fifo

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Opening a FIFO by name obeys its mode like any file: another user gets
// EACCES for an access its mode denies (with the 0666 FIFO in the same
// directory as the control that the path is reachable), and the permission
// check comes before the FIFO's own rule, so a denied nonblocking open for
// writing with no reader is EACCES, not ENXIO.
func TestOtherUserOpenObeysFIFOMode(t *testing.T) {
	cred := sys.OtherUID(t)
	// With the test holding a reader on each (root is not subject to the
	// mode), nonblocking opens for writing are possible.
	withReader := func(mode uint32) string {
		path := newFIFO(t, mode)
		mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
		return path
	}
	cases := []struct {
		rule  string
		path  string
		mode  uint32
		flags string
		want  string
	}{
		{"0600 denies reading", withReader(0o600), 0o600, "r,nb", "EACCES"},
		{"0600 denies writing", withReader(0o600), 0o600, "w,nb", "EACCES"},
		{"0644 allows reading", withReader(0o644), 0o644, "r,nb", "ok"},
		{"0644 denies writing", withReader(0o644), 0o644, "w,nb", "EACCES"},
		{"0666 allows reading", withReader(0o666), 0o666, "r,nb", "ok"},
		{"0666 allows writing", withReader(0o666), 0o666, "w,nb", "ok"},
		{"0644 denies writing before looking for a reader", newFIFO(t, 0o644), 0o644, "w,nb", "EACCES"},
		{"0666 allows writing, then ENXIO without a reader", newFIFO(t, 0o666), 0o666, "w,nb", "ENXIO"},
	}
	other := spawnPeer(t, proc.PeerSpec{Credential: cred})
	other.Must(t, strconv.Itoa(sys.OtherUser)+" "+strconv.Itoa(sys.OtherUser), "ids")
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			if got := other.Ask(t, "try %s %s", c.path, c.flags); got != c.want {
				t.Errorf("uid %d opening a %#o FIFO owned by uid 0 with %s: %s, want %s",
					sys.OtherUser, c.mode, c.flags, got, c.want)
			}
		})
	}
}
