package inet

// Ports: who may bind them, and what a connection to one finds.

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func TestConnectToPortWithoutListenerIsRefused(t *testing.T) {
	// Bound but not listening: the port stays the test's, and a SYN to it
	// is answered with a reset.
	_, port := boundSocket(t, LoopbackV4, unix.SOCK_STREAM)
	p, _ := spawnSock(t)
	fd := p.Ask(t, "tcp %s", LoopbackV4)
	p.Must(t, "ECONNREFUSED", "connect %s %s %d", fd, LoopbackV4, port)
}

func TestBindToListeningPortFailsEADDRINUSE(t *testing.T) {
	t.Run("without options", func(t *testing.T) {
		_, port := listener(t, LoopbackV4)
		p, _ := spawnSock(t)
		fd := p.Ask(t, "tcp %s", LoopbackV4)
		p.Must(t, "EADDRINUSE", "bind %s %s %d", fd, LoopbackV4, port)
	})
	t.Run("SO_REUSEADDR on both does not share a listening port", func(t *testing.T) {
		_, port := listener(t, LoopbackV4, "reuseaddr")
		p, _ := spawnSock(t)
		fd := p.Ask(t, "tcp %s", LoopbackV4)
		p.Must(t, "ok", "setopt %s reuseaddr 1", fd)
		p.Must(t, "EADDRINUSE", "bind %s %s %d", fd, LoopbackV4, port)
	})
}

func TestReuseAddrBindsPortHeldInTimeWait(t *testing.T) {
	// The side that closes first keeps the connection in TIME_WAIT, on its
	// port, after both processes are done with it. Here that is the
	// accepted connection, on the listener's port; SO_REUSEADDR set on the
	// listener passes to it.
	lfd, port := listener(t, LoopbackV4, "reuseaddr")
	p, _ := spawnSock(t)
	pfd := peerConnect(t, p, LoopbackV4, port)
	fd := acceptQueued(t, lfd)
	sys.Close(lfd)
	if err := unix.Shutdown(fd, unix.SHUT_WR); err != nil {
		t.Fatalf("shutdown(SHUT_WR): %s", sys.ErrnoName(err))
	}
	p.Must(t, "EOF", "read %s 64", pfd)
	p.Must(t, "ok", "close %s", pfd)
	// The peer's FIN moves the test's side to TIME_WAIT before the read
	// that sees it returns.
	if got := readArrived(t, fd, 64, "the peer's FIN"); got != "" {
		t.Fatalf("read after the peer closed: %q, want EOF", got)
	}
	sys.Close(fd)
	if st := tcpStates(t, port); len(st) != 1 || st[0] != tcpTimeWait {
		t.Fatalf("sockets on port %d: states %v, want one in TIME_WAIT (%s)", port, st, tcpTimeWait)
	}

	t.Run("without SO_REUSEADDR the port is in use", func(t *testing.T) {
		fd := newSocket(t, LoopbackV4, unix.SOCK_STREAM)
		sys.RequireErrno(t, bind(fd, LoopbackV4, port), unix.EADDRINUSE, "bind to a port in TIME_WAIT")
	})
	t.Run("with SO_REUSEADDR a new listener takes it", func(t *testing.T) {
		fd := newSocket(t, LoopbackV4, unix.SOCK_STREAM)
		mustSetopt(t, fd, "reuseaddr", 1)
		if err := bind(fd, LoopbackV4, port); err != nil {
			t.Fatalf("bind with SO_REUSEADDR to a port in TIME_WAIT: %s", sys.ErrnoName(err))
		}
		if err := unix.Listen(fd, 1); err != nil {
			t.Fatalf("listen: %s", sys.ErrnoName(err))
		}
	})
}

func TestReusePortSpreadsConnectionsAcrossListeningProcesses(t *testing.T) {
	// Two processes listen on one port, each with SO_REUSEPORT; the kernel
	// picks a listener per connection by a hash of its addresses, so
	// connections from many client ports reach both (the chance that 32
	// all hash to one of two is 2^-31).
	const conns = 32
	first, _ := spawnSock(t)
	lfd1 := first.Ask(t, "tcp %s", LoopbackV4)
	first.Must(t, "ok", "setopt %s reuseport 1", lfd1)
	first.Must(t, "ok", "bind %s %s 0", lfd1, LoopbackV4)
	port, err := strconv.Atoi(first.Ask(t, "port %s", lfd1))
	if err != nil {
		t.Fatalf("the first listener's port: %v", err)
	}
	second, _ := spawnSock(t)
	lfd2 := second.Ask(t, "tcp %s", LoopbackV4)
	second.Must(t, "ok", "setopt %s reuseport 1", lfd2)
	second.Must(t, "ok", "bind %s %s %d", lfd2, LoopbackV4, port)
	first.Must(t, "ok", "listen %s %d", lfd1, conns)
	second.Must(t, "ok", "listen %s %d", lfd2, conns)
	first.Must(t, "ok", "serve %s 1", lfd1)
	second.Must(t, "ok", "serve %s 2", lfd2)

	t.Run("a socket without SO_REUSEPORT cannot join", func(t *testing.T) {
		fd := newSocket(t, LoopbackV4, unix.SOCK_STREAM)
		sys.RequireErrno(t, bind(fd, LoopbackV4, port), unix.EADDRINUSE, "bind without SO_REUSEPORT")
	})
	t.Run("each connection reaches one listener, and both get some", func(t *testing.T) {
		took := map[string]int{}
		for i := range conns {
			fd := newSocket(t, LoopbackV4, unix.SOCK_STREAM)
			if err := connect(fd, LoopbackV4, port); err != nil {
				t.Fatalf("connection %d: connect: %s", i, sys.ErrnoName(err))
			}
			// The process that accepted it writes its number and closes.
			who := readArrived(t, fd, 8, "the accepting process's number")
			took[who]++
			sys.Close(fd)
		}
		if took["1"] == 0 || took["2"] == 0 || took["1"]+took["2"] != conns {
			t.Fatalf("connections taken per listening process: %v, want all %d shared by 1 and 2", took, conns)
		}
		t.Logf("connections taken per listening process: %v", took)
	})
	first.Send(t, "exit")
	second.Send(t, "exit")
	first.RequireExit(t, 0)
	second.RequireExit(t, 0)
}

func TestNoDelayIsSetPerSocket(t *testing.T) {
	fd, p, pfd := tcpPair(t, LoopbackV4)
	// Nagle's algorithm is on by default: TCP_NODELAY reads 0.
	p.Must(t, "0", "getopt %s nodelay", pfd)
	p.Must(t, "ok", "setopt %s nodelay 1", pfd)
	p.Must(t, "1", "getopt %s nodelay", pfd)
	// An option of the peer's socket, not of the connection.
	if got := mustGetopt(t, fd, "nodelay"); got != 0 {
		t.Fatalf("TCP_NODELAY on the test's end after the peer set its own: %d, want 0", got)
	}
	p.Must(t, "6", "write %s nodely", pfd)
	requireRead(t, fd, 64, "nodely", "data from the socket with TCP_NODELAY")
}
