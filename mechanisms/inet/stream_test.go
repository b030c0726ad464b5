package inet

// TCP is a byte stream in both directions at once (man 7 tcp, seed 002).

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func TestTCPIsAByteStream(t *testing.T) {
	t.Run("two writes are read as one", func(t *testing.T) {
		fd, p, pfd := tcpPair(t, LoopbackV4)
		// TCP_NODELAY: each write leaves as a segment of its own, so only
		// the stream joins them. SO_RCVLOWAT: poll reports the socket
		// readable once both have arrived.
		p.Must(t, "ok", "setopt %s nodelay 1", pfd)
		mustSetopt(t, fd, "rcvlowat", 6)
		p.Must(t, "3", "write %s abc", pfd)
		p.Must(t, "3", "write %s def", pfd)
		requireRead(t, fd, 64, "abcdef", "one read after two writes")
	})
	t.Run("one write is read in parts", func(t *testing.T) {
		fd, p, pfd := tcpPair(t, LoopbackV4)
		mustSetopt(t, fd, "rcvlowat", 10)
		p.Must(t, "10", "write %s 0123456789", pfd)
		requireRead(t, fd, 4, "0123", "a read of 4 bytes")
		mustSetopt(t, fd, "rcvlowat", 1)
		requireRead(t, fd, 64, "456789", "the next read")
	})
}

func TestTCPCarriesBothDirectionsAtOnce(t *testing.T) {
	fd, p, pfd := tcpPair(t, LoopbackV4)
	// Small buffers on both sides (the kernel doubles what is asked, and
	// stops growing them on its own once they are set): a megabyte each way
	// cannot sit in them, so each process's write goes on while it reads.
	const size = 1 << 20
	for _, o := range []string{"sndbuf", "rcvbuf"} {
		mustSetopt(t, fd, o, 16<<10)
		p.Must(t, "ok", "setopt %s %s %d", pfd, o, 16<<10)
	}
	p.Start(t, "duplex %s %d", pfd, size)
	// A stall (one direction waiting for the other) fails in seconds:
	// the exchange takes milliseconds.
	mine := make(chan string, 1)
	go func() { mine <- duplex(fd, size, 'A', 'B') }()
	select {
	case got := <-mine:
		if got != "ok" {
			t.Fatalf("the test's side of the exchange: %s", got)
		}
	case <-time.After(sys.WakeBound()):
		t.Fatalf("the test's side of the exchange stalled for %v", sys.WakeBound())
	}
	got, ok := p.NextWithin(t, sys.WakeBound())
	if !ok {
		t.Fatalf("the peer's side did not finish within %v of the test's", sys.WakeBound())
	}
	if got != "ok" {
		t.Fatalf("the peer's side of the exchange: %s", got)
	}
}

func TestShutdownWriteGivesPeerEOFWhileItCanStillSendBack(t *testing.T) {
	fd, p, pfd := tcpPair(t, LoopbackV4)
	if err := unix.Shutdown(fd, unix.SHUT_WR); err != nil {
		t.Fatalf("shutdown(SHUT_WR): %s", sys.ErrnoName(err))
	}
	p.Must(t, "EOF", "read %s 64", pfd)
	p.Must(t, "4", "write %s back", pfd)
	requireRead(t, fd, 64, "back", "the peer's reply after the shutdown")
	// The test's own direction is closed: EPIPE (the Go runtime drops the
	// SIGPIPE of an fd other than 1 and 2).
	_, err := sys.Write(fd, []byte("more"))
	sys.RequireErrno(t, err, unix.EPIPE, "write after shutdown(SHUT_WR)")
}
