package inet

// Closing a connection that still holds unread data, or with SO_LINGER's
// timeout at zero, aborts it with a reset instead of the orderly FIN
// (RFC 2525 2.17, man 7 socket): the other side's read fails with
// ECONNRESET, and its writes then fail with EPIPE and raise SIGPIPE.

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// resetByUnreadData sets up a connection whose test side closes with data
// the peer sent still unread, and returns the peer and its fd.
func resetByUnreadData(t *testing.T) (*proc.Peer, string) {
	t.Helper()
	fd, p, pfd := tcpPair(t, LoopbackV4)
	if got := p.Ask(t, "sigpipe-default"); got == "unsupported" {
		t.Skipf("the raw SIG_DFL reset is not written for this architecture")
	} else if got != "ok" {
		t.Fatalf("peer: SIGPIPE to SIG_DFL: %s", got)
	}
	p.Must(t, "6", "write %s unread", pfd)
	waitReadable(t, fd, "the peer's data")
	if n, err := sys.FIONREAD(fd); err != nil || n != 6 {
		t.Fatalf("FIONREAD before the close: %d %s, want the 6 bytes unread", n, sys.ErrnoName(err))
	}
	sys.Close(fd)
	return p, pfd
}

func TestCloseWithUnreadDataResetsConnection(t *testing.T) {
	t.Run("the peer's read fails with ECONNRESET", func(t *testing.T) {
		p, pfd := resetByUnreadData(t)
		// A FIN instead would read as EOF.
		p.Must(t, "ECONNRESET", "read %s 64", pfd)
		// The error is reported once; the connection is then closed.
		p.Must(t, "EOF", "read %s 64", pfd)
	})
	t.Run("a write after the reset fails with EPIPE under MSG_NOSIGNAL", func(t *testing.T) {
		p, pfd := resetByUnreadData(t)
		p.Must(t, "ECONNRESET", "read %s 64", pfd)
		// Under SIG_DFL the peer lives only because MSG_NOSIGNAL holds
		// the signal back.
		p.Must(t, "EPIPE", "send-nosignal %s x", pfd)
		p.Must(t, "EPIPE", "send-nosignal %s x", pfd)
		p.Send(t, "exit")
		p.RequireExit(t, 0)
	})
	t.Run("a write after the reset kills the writer by SIGPIPE under the default action", func(t *testing.T) {
		p, pfd := resetByUnreadData(t)
		p.Must(t, "ECONNRESET", "read %s 64", pfd)
		// Both commands in one line of the control pipe, sent before the
		// write: a writer the signal spares answers and exits 0 at once.
		p.Send(t, "write "+pfd+" x\nexit")
		if got := p.Wait(t); got.Signal != unix.SIGPIPE {
			t.Fatalf("peer: %s after the write answered %q, want killed by SIGPIPE", got, p.Next(t))
		}
	})
}

func TestLingerZeroCloseResets(t *testing.T) {
	t.Run("SO_LINGER with zero timeout sends a reset", func(t *testing.T) {
		fd, p, pfd := tcpPair(t, LoopbackV4)
		l := unix.Linger{Onoff: 1, Linger: 0}
		if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &l); err != nil {
			t.Fatalf("SO_LINGER {1, 0}: %s", sys.ErrnoName(err))
		}
		sys.Close(fd) // nothing unread: only the option makes it abort
		p.Must(t, "ECONNRESET", "read %s 64", pfd)
	})
	t.Run("without it the same close ends the stream with EOF", func(t *testing.T) {
		fd, p, pfd := tcpPair(t, LoopbackV4)
		sys.Close(fd)
		p.Must(t, "EOF", "read %s 64", pfd)
	})
}
