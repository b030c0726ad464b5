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

// The permission check comes before the wait for the other end also for a
// blocking open: a denied open fails at once with EACCES instead of
// sleeping for a partner. A kernel that waited first would leave the peer
// silent, and the bound fails it; the 0666 FIFO is the control that the
// same blocking open with the access granted does wait.
func TestBlockingOpenChecksPermissionBeforeWaiting(t *testing.T) {
	cred := sys.OtherUID(t)
	other := spawnPeer(t, proc.PeerSpec{Credential: cred})
	for _, c := range []struct {
		rule  string
		mode  uint32
		flags string
	}{
		{"a denied open for writing with no reader is EACCES at once", 0o644, "w"},
		{"a denied open for reading with no writer is EACCES at once", 0o600, "r"},
	} {
		t.Run(c.rule, func(t *testing.T) {
			path := newFIFO(t, c.mode)
			other.Send(t, "try "+path+" "+c.flags)
			got, ok := other.NextWithin(t, sys.WakeBound())
			if !ok {
				t.Fatalf("uid %d's blocking open (%s) of a %#o FIFO with no partner still waits after %v; want EACCES at once", sys.OtherUser, c.flags, c.mode, sys.WakeBound())
			}
			if got != "EACCES" {
				t.Fatalf("uid %d's blocking open (%s) of a %#o FIFO with no partner: %s, want EACCES", sys.OtherUser, c.flags, c.mode, got)
			}
		})
	}
	t.Run("the granted open waits for a partner", func(t *testing.T) {
		path := newFIFO(t, 0o666)
		other.startOpen(t, path, "w")
		other.RequireSilent(t, "granted blocking open for writing with no reader")
		mustOpen(t, path, unix.O_RDONLY|unix.O_NONBLOCK)
		other.Expect(t, "ok")
	})
}
