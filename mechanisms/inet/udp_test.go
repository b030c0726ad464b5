package inet

// UDP keeps datagrams whole or truncates them, and reports an unreachable
// port to a connected socket only (man 7 udp).

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// udpSender starts a "sock" peer with a UDP socket connected to port on
// IPv4 loopback and returns the peer and that socket's fd. The peer runs
// on one CPU: loopback hands each datagram to the receive path of the CPU
// that sent it, in order, so the peer's datagrams arrive in the order it
// sent them, to whichever socket.
func udpSender(t *testing.T, ports ...int) (*proc.Peer, []string) {
	t.Helper()
	p := proc.Spawn(t, "sock", proc.PeerSpec{Args: []string{"0"}, CPU: proc.PinCPU(firstCPU(t))})
	p.Expect(t, "ready")
	var fds []string
	for _, port := range ports {
		fd := p.Ask(t, "udp %s", LoopbackV4)
		p.Must(t, "ok", "connect %s %s %d", fd, LoopbackV4, port)
		fds = append(fds, fd)
	}
	return p, fds
}

func TestUDPKeepsDatagramBoundaries(t *testing.T) {
	fd, port := boundSocket(t, LoopbackV4, unix.SOCK_DGRAM)
	fence, fencePort := boundSocket(t, LoopbackV4, unix.SOCK_DGRAM)
	p, fds := udpSender(t, port, fencePort)
	p.Must(t, "3", "write %s abc", fds[0])
	p.Must(t, "4", "write %s defg", fds[0])
	p.Must(t, "5", "write %s fence", fds[1])
	// The fence came last: both datagrams are queued. A stream would hand
	// them over as one.
	requireRead(t, fence, 64, "fence", "the fence")
	requireRead(t, fd, 64, "abc", "the first datagram")
	requireRead(t, fd, 64, "defg", "the second datagram")
}

func TestUDPShortReadTruncates(t *testing.T) {
	t.Run("MSG_TRUNC returns the datagram's real length", func(t *testing.T) {
		fd, port := boundSocket(t, LoopbackV4, unix.SOCK_DGRAM)
		p, fds := udpSender(t, port)
		p.Must(t, "10", "write %s 0123456789", fds[0])
		waitReadable(t, fd, "the datagram")
		buf := make([]byte, 4)
		n, _, err := unix.Recvfrom(fd, buf, unix.MSG_TRUNC)
		if err != nil || n != 10 || string(buf) != "0123" {
			t.Fatalf("recv(4 bytes, MSG_TRUNC): %s %q, want 10 (the real length) and \"0123\"", sys.Result{N: n, Err: err}, buf)
		}
	})
	t.Run("a short read flags MSG_TRUNC and loses the rest", func(t *testing.T) {
		fd, port := boundSocket(t, LoopbackV4, unix.SOCK_DGRAM)
		p, fds := udpSender(t, port)
		p.Must(t, "10", "write %s 0123456789", fds[0])
		p.Must(t, "4", "write %s next", fds[0])
		waitReadable(t, fd, "the datagram")
		buf := make([]byte, 4)
		n, _, flags, _, err := unix.Recvmsg(fd, buf, nil, 0)
		if err != nil || n != 4 || string(buf) != "0123" || flags&unix.MSG_TRUNC == 0 {
			t.Fatalf("recvmsg(4 bytes): %s %q flags %#x, want 4 bytes \"0123\" and MSG_TRUNC", sys.Result{N: n, Err: err}, buf, flags)
		}
		requireRead(t, fd, 64, "next", "the read after the short one")
	})
}

func TestUDPReportsUnreachablePortOnlyToConnectedSocket(t *testing.T) {
	t.Run("connected: the read fails with ECONNREFUSED", testConnectedUDPRefused)
	t.Run("unconnected: the read goes on waiting for data", testUnconnectedUDPNotTold)
}

func testConnectedUDPRefused(t *testing.T) {
	fd, port := boundSocket(t, LoopbackV4, unix.SOCK_DGRAM)
	p, fds := udpSender(t, port)
	p.Must(t, "5", "write %s hello", fds[0])
	requireRead(t, fd, 64, "hello", "a datagram while the port is bound")
	sys.Close(fd)
	// The datagram leaves; the ICMP port unreachable that comes back is
	// handed to the connected socket as an error, which the blocked read
	// returns.
	p.Must(t, "6", "write %s nobody", fds[0])
	p.Start(t, "read %s 64", fds[0])
	got, ok := p.NextWithin(t, sys.WakeBound())
	if !ok {
		t.Fatalf("the read after sending to an unbound port still blocked after %v", sys.WakeBound())
	}
	if got != "ECONNREFUSED" {
		t.Fatalf("read after sending to an unbound port: %s, want ECONNREFUSED", got)
	}
}

func TestUDPDatagramAbove65507BytesIsEMSGSIZE(t *testing.T) {
	// 65535 (the IPv4 total length) less 20 (IP header) and 8 (UDP).
	const most = 65507
	fd, port := boundSocket(t, LoopbackV4, unix.SOCK_DGRAM)
	p, fds := udpSender(t, port)
	p.Must(t, "EMSGSIZE", "send-size %s %d", fds[0], most+1)
	p.Must(t, "65507", "send-size %s %d", fds[0], most)
	waitReadable(t, fd, "the largest datagram")
	buf := make([]byte, 1<<16)
	n, err := sys.Read(fd, buf)
	if err != nil || n != most {
		t.Fatalf("read of the largest datagram: %s, want %d bytes", sys.Result{N: n, Err: err}, most)
	}
	if i := badAt(buf[:n]); i >= 0 {
		t.Fatalf("the largest datagram differs from what was sent at byte %d", i)
	}
}

// Without connect (and without IP_RECVERR) the kernel drops the ICMP
// error: a socket that sends to many addresses would otherwise fail its
// reads for one unreachable among them.
func testUnconnectedUDPNotTold(t *testing.T) {
	cfd, closed := boundSocket(t, LoopbackV4, unix.SOCK_DGRAM)
	fd, _ := boundSocket(t, LoopbackV4, unix.SOCK_DGRAM)
	p, _ := spawnSock(t)
	pfd := p.Ask(t, "udp %s", LoopbackV4)
	p.Must(t, "ok", "bind %s %s 0", pfd, LoopbackV4)
	port, err := strconv.Atoi(p.Ask(t, "port %s", pfd))
	if err != nil {
		t.Fatalf("the peer's port: %v", err)
	}
	// A port that was bound and is no longer: nothing answers there.
	sys.Close(cfd)
	p.Must(t, "6", "sendto %s %s %d nobody", pfd, LoopbackV4, closed)
	p.Start(t, "read %s 64", pfd)
	p.RequireSilent(t, "read on an unconnected socket after sending to an unbound port")
	if err := sendto(fd, LoopbackV4, port, "wake"); err != nil {
		t.Fatalf("sendto the peer: %s", sys.ErrnoName(err))
	}
	p.Expect(t, "wake")
}
