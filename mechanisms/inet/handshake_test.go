package inet

// The three-way handshake happens in connect and the kernel's backlog
// (seed 000): accept only takes a connection that is already established.

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func TestConnectCompletesBeforeAcceptAndDataWaitsInBacklog(t *testing.T) {
	lfd, port := listener(t, LoopbackV4)
	p, _ := spawnSock(t)
	pfd := p.Ask(t, "tcp %s", LoopbackV4)
	// The test has not called accept: a kernel that finished the
	// handshake only in accept would leave connect blocked here.
	p.Start(t, "connect %s %s %d", pfd, LoopbackV4, port)
	if got, ok := p.NextWithin(t, sys.WakeBound()); !ok || got != "ok" {
		t.Fatalf("connect to a listener that has not called accept: %q (answered: %v), want ok within %v", got, ok, sys.WakeBound())
	}
	p.Must(t, "5", "write %s hello", pfd)
	// The established connection waits in the listener's queue...
	waitReadable(t, lfd, "the listener, with a connection established but not accepted")
	fd := acceptQueued(t, lfd)
	// ...with the data sent before accept already in it.
	requireRead(t, fd, 64, "hello", "data sent before accept")
}

func TestAcceptBlocksUntilAClientConnects(t *testing.T) {
	lfd, port := listener(t, LoopbackV4)
	p, _ := spawnSock(t)
	pfd := p.Ask(t, "tcp %s", LoopbackV4)
	res := sys.Blocks(t, "accept on a listener with no connection", sys.IO(func() (int, error) {
		return sys.RetryValue(func() (int, error) {
			fd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
			return fd, err
		})
	}), func() { p.Must(t, "ok", "connect %s %s %d", pfd, LoopbackV4, port) })
	if res.Err != nil {
		t.Fatalf("accept after the peer connected: %s", res)
	}
	fd := sys.Own(t, res.N)
	// The connection accepted is the peer's: its address is the peer's
	// socket's.
	peerPort := p.Ask(t, "port %s", pfd)
	sa, err := unix.Getpeername(fd)
	if err != nil {
		t.Fatalf("getpeername: %s", sys.ErrnoName(err))
	}
	if got := AddrPort(sa); got != LoopbackV4+":"+peerPort {
		t.Fatalf("accepted connection from %s, want the peer's %s:%s", got, LoopbackV4, peerPort)
	}
}
