package inet

import (
	"fmt"
	"io"
	"sync"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// TCP is a ping-pong over one TCP connection on IPv4 loopback, with
// TCP_NODELAY on both ends (Nagle's algorithm would hold each small
// message until the previous one is acknowledged), through raw blocking
// fds.
var TCP = table.Transport{
	Name:    "tcp",
	MaxSize: 1 << 16,
	Open:    openTCP,
	Attach:  attachStream,
}

// UDP is a ping-pong of datagrams between two UDP sockets on IPv4
// loopback connected to each other, one message per datagram.
var UDP = table.Transport{
	Name:    "udp",
	MaxSize: MaxUDPPayload,
	Open:    openUDP,
	Attach:  attachDatagram,
}

// MaxUDPPayload is the largest UDP datagram over IPv4: 65535 (the IPv4
// total length) less the IPv4 and UDP headers.
const MaxUDPPayload = 65535 - 20 - 8

func init() {
	table.Register(TCP)
	table.Register(UDP)
}

// Stream is one process's end of a TCP connection.
type Stream struct{ FD int }

func (s Stream) Send(p []byte) error { return sys.WriteFull(s.FD, p) }
func (s Stream) Recv(p []byte) error { return sys.ReadFull(s.FD, p) }
func (s Stream) Close() error        { return sys.Close(s.FD) }

// openTCP connects a socket of the test to a listener of its own and hands
// the accepted end to the peer.
func openTCP(t testing.TB) (table.Endpoint, proc.PeerSpec) {
	t.Helper()
	must := func(err error, what string) {
		if err != nil {
			t.Fatalf("tcp transport: %s: %s", what, sys.ErrnoName(err))
		}
	}
	lfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	must(err, "socket")
	defer unix.Close(lfd)
	must(bindLoopback(lfd), "bind")
	must(unix.Listen(lfd, 1), "listen")
	sa, err := unix.Getsockname(lfd)
	must(err, "getsockname")
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	must(err, "socket")
	sys.Own(t, fd)
	// A connect to a listener already listening completes in the kernel's
	// backlog; only a signal can cut it short, and then it goes on there.
	err = unix.Connect(fd, sa)
	for err == unix.EINTR || err == unix.EALREADY {
		if _, err = sys.Revents(fd, unix.POLLOUT, -1); err == nil {
			err = unix.Connect(fd, sa)
		}
	}
	if err != unix.EISCONN {
		must(err, "connect")
	}
	peer, err := sys.RetryValue(func() (int, error) {
		nfd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
		return nfd, err
	})
	must(err, "accept")
	sys.Own(t, peer)
	for _, s := range []int{fd, peer} {
		must(unix.SetsockoptInt(s, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1), "TCP_NODELAY")
	}
	return Stream{FD: fd}, proc.PeerSpec{Files: []int{peer}, Handoff: true}
}

func attachStream([]string) (table.Endpoint, error) {
	return Stream{FD: proc.PeerFD(0)}, nil
}

// Datagrams is one process's end of the UDP transport. Close sends an
// empty datagram, the hang-up, which the other end's Recv takes as the
// end (a UDP socket does not learn of the other's close by itself).
type Datagrams struct {
	FD int

	refused bool // the other end's socket is gone (ECONNREFUSED)

	mu     sync.Mutex // serialises Close and PeerGone
	closed bool
}

func (d *Datagrams) Send(p []byte) error {
	n, err := sys.Write(d.FD, p)
	if err == nil && n != len(p) {
		err = fmt.Errorf("udp: sent %d bytes of a %d-byte datagram", n, len(p))
	}
	return err
}

// Recv takes the next datagram, which must be len(p) bytes; MSG_TRUNC
// makes recvfrom return a longer one's real length. The hang-up, or a
// receive shut down by PeerGone, is io.EOF. Once the other end's socket is
// gone, a datagram sent to it brings back an ICMP port unreachable, which
// the kernel reports as ECONNREFUSED ahead of the datagrams still queued:
// Recv then takes those first, without waiting, and fails with
// ECONNREFUSED once they are all taken.
func (d *Datagrams) Recv(p []byte) error {
	flags := unix.MSG_TRUNC
	if d.refused {
		flags |= unix.MSG_DONTWAIT
	}
	n, err := d.recv(p, flags)
	for err == unix.ECONNREFUSED { // each report is taken once
		d.refused = true
		n, err = d.recv(p, flags|unix.MSG_DONTWAIT)
	}
	switch {
	case d.refused && err == unix.EAGAIN:
		return unix.ECONNREFUSED
	case err != nil:
		return err
	case n == 0 && len(p) > 0:
		return io.EOF
	case n != len(p):
		return fmt.Errorf("udp: a datagram of %d bytes, want %d", n, len(p))
	}
	return nil
}

func (d *Datagrams) recv(p []byte, flags int) (int, error) {
	r, err := sys.SyscallArgs(unix.SYS_RECVFROM, sys.Num(d.FD), sys.Ptr(unsafe.Pointer(unsafe.SliceData(p))),
		sys.Num(len(p)), sys.Num(flags), sys.Ptr(nil), sys.Ptr(nil))
	return int(r), err
}

func (d *Datagrams) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	sys.Write(d.FD, nil) // the hang-up; the other end may be gone already
	return sys.Close(d.FD)
}

// PeerGone is table.PeerWatcher: the peer can no longer send the hang-up
// once it has exited, so the test's end shuts its own receive down, which
// wakes a blocked Recv with EOF once the datagrams already queued are
// taken.
func (d *Datagrams) PeerGone() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		unix.Shutdown(d.FD, unix.SHUT_RD)
	}
}

// openUDP binds two sockets to IPv4 loopback, connects each to the other,
// and hands one to the peer.
func openUDP(t testing.TB) (table.Endpoint, proc.PeerSpec) {
	t.Helper()
	var fds [2]int
	var addrs [2]unix.Sockaddr
	for i := range fds {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err == nil {
			sys.Own(t, fd)
			err = bindLoopback(fd)
		}
		if err == nil {
			addrs[i], err = unix.Getsockname(fd)
		}
		if err != nil {
			t.Fatalf("udp transport: socket: %s", sys.ErrnoName(err))
		}
		fds[i] = fd
	}
	for i := range fds {
		if err := unix.Connect(fds[i], addrs[1-i]); err != nil {
			t.Fatalf("udp transport: connect: %s", sys.ErrnoName(err))
		}
	}
	return &Datagrams{FD: fds[0]}, proc.PeerSpec{Files: []int{fds[1]}, Handoff: true}
}

func attachDatagram([]string) (table.Endpoint, error) {
	return &Datagrams{FD: proc.PeerFD(0)}, nil
}

// bindLoopback binds fd to IPv4 loopback on a port the kernel picks.
func bindLoopback(fd int) error {
	return unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
}
