package inet

// IPv6 loopback, and IPv4 seen through IPv6 sockets as v4-mapped
// addresses (man 7 ipv6).

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// requirePeerAddr fails unless the accepted connection fd comes from addr
// on the port of the peer's socket pfd.
func requirePeerAddr(t *testing.T, fd int, addr, peerPort string) {
	t.Helper()
	sa, err := unix.Getpeername(fd)
	if err != nil {
		t.Fatalf("getpeername: %s", sys.ErrnoName(err))
	}
	want := addr + ":" + peerPort
	if Family(addr) == unix.AF_INET6 {
		want = "[" + addr + "]:" + peerPort
	}
	if got := AddrPort(sa); got != want {
		t.Fatalf("accepted connection from %s, want %s", got, want)
	}
}

func TestIPv6Loopback(t *testing.T) {
	requireIPv6(t)
	t.Run("a connection over ::1 carries data", func(t *testing.T) {
		fd, p, pfd := tcpPair(t, LoopbackV6)
		requirePeerAddr(t, fd, LoopbackV6, p.Ask(t, "port %s", pfd))
		p.Must(t, "2", "write %s v6", pfd)
		requireRead(t, fd, 64, "v6", "data over ::1")
	})
	t.Run("an IPv4 client reaches an IPv6 socket bound to a v4-mapped address", func(t *testing.T) {
		lfd := newSocket(t, MappedV4, unix.SOCK_STREAM)
		mustSetopt(t, lfd, "v6only", 0)
		if err := bind(lfd, MappedV4, 0); err != nil {
			t.Fatalf("bind %s: %s", MappedV4, sys.ErrnoName(err))
		}
		port, _ := LocalPort(lfd)
		if err := unix.Listen(lfd, 1); err != nil {
			t.Fatalf("listen: %s", sys.ErrnoName(err))
		}
		p, _ := spawnSock(t)
		pfd := peerConnect(t, p, LoopbackV4, port)
		fd := acceptQueued(t, lfd)
		// The IPv6 socket names its IPv4 peer as ::ffff:127.0.0.1.
		requirePeerAddr(t, fd, MappedV4, p.Ask(t, "port %s", pfd))
		p.Must(t, "6", "write %s mapped", pfd)
		requireRead(t, fd, 64, "mapped", "data from the IPv4 client")
	})
	t.Run("an IPv6 client reaches an IPv4 listener at a v4-mapped address", func(t *testing.T) {
		lfd, port := listener(t, LoopbackV4)
		p, _ := spawnSock(t)
		pfd := peerConnect(t, p, MappedV4, port)
		fd := acceptQueued(t, lfd)
		// On the wire it is IPv4: the listener sees 127.0.0.1.
		requirePeerAddr(t, fd, LoopbackV4, p.Ask(t, "port %s", pfd))
	})
	t.Run("IPV6_V6ONLY refuses to bind a v4-mapped address", func(t *testing.T) {
		p, _ := spawnSock(t)
		fd := p.Ask(t, "tcp %s", MappedV4)
		p.Must(t, "ok", "setopt %s v6only 1", fd)
		p.Must(t, "EINVAL", "bind %s %s 0", fd, MappedV4)
	})
	t.Run("IPV6_V6ONLY refuses to connect to a v4-mapped address", func(t *testing.T) {
		_, port := listener(t, LoopbackV4)
		p, _ := spawnSock(t)
		fd := p.Ask(t, "tcp %s", MappedV4)
		p.Must(t, "ok", "setopt %s v6only 1", fd)
		p.Must(t, "ENETUNREACH", "connect %s %s %d", fd, MappedV4, port)
	})
}
