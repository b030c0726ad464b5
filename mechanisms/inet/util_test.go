package inet

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Calls shared by the tests and the "sock" peer.

func socket(family, typ int) (int, error) {
	return unix.Socket(family, typ|unix.SOCK_CLOEXEC, 0)
}

func bind(fd int, addr string, port int) error {
	sa, err := Sockaddr(addr, port)
	if err != nil {
		return err
	}
	return unix.Bind(fd, sa)
}

// connect is connect(2) on a blocking socket. Interrupted by a signal, the
// handshake goes on in the kernel, and connect called again says EALREADY
// while it lasts and EISCONN once it is done.
func connect(fd int, addr string, port int) error {
	sa, err := Sockaddr(addr, port)
	if err != nil {
		return err
	}
	err = unix.Connect(fd, sa)
	for err == unix.EINTR || err == unix.EALREADY {
		if _, err = sys.Revents(fd, unix.POLLOUT, -1); err == nil {
			err = unix.Connect(fd, sa)
		}
	}
	if err == unix.EISCONN {
		return nil
	}
	return err
}

func sendto(fd int, addr string, port int, text string) error {
	sa, err := Sockaddr(addr, port)
	if err != nil {
		return err
	}
	return sys.Retry(func() error { return unix.Sendto(fd, []byte(text), 0, sa) })
}

// sockopts are the integer socket options the tests set and read, by name.
var sockopts = map[string]struct{ level, opt int }{
	"reuseaddr": {unix.SOL_SOCKET, unix.SO_REUSEADDR},
	"reuseport": {unix.SOL_SOCKET, unix.SO_REUSEPORT},
	"rcvbuf":    {unix.SOL_SOCKET, unix.SO_RCVBUF},
	"sndbuf":    {unix.SOL_SOCKET, unix.SO_SNDBUF},
	"rcvlowat":  {unix.SOL_SOCKET, unix.SO_RCVLOWAT},
	"nodelay":   {unix.IPPROTO_TCP, unix.TCP_NODELAY},
	"v6only":    {unix.IPPROTO_IPV6, unix.IPV6_V6ONLY},
}

func setopt(fd int, name string, value int) error {
	o, ok := sockopts[name]
	if !ok {
		return fmt.Errorf("no socket option %q", name)
	}
	return unix.SetsockoptInt(fd, o.level, o.opt, value)
}

func getopt(fd int, name string) (int, error) {
	o, ok := sockopts[name]
	if !ok {
		return 0, fmt.Errorf("no socket option %q", name)
	}
	return unix.GetsockoptInt(fd, o.level, o.opt)
}

// pattern is n bytes whose value depends on the position, with a period
// (251) prime to every buffer size, so that a lost or repeated chunk shows.
func pattern(n int) []byte { return tagged(n, 0) }

// tagged is pattern xor tag: each direction of a connection its own bytes.
func tagged(n int, tag byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i%251) ^ tag
	}
	return p
}

// duplex writes n bytes tagged send into fd while it reads n bytes that
// must be tagged want, both at once, and renders the outcome: "ok", "bad
// at I", or the errno of the write or read. With socket buffers much
// smaller than n, neither write can finish before the other process reads:
// the two directions are in flight at the same time.
func duplex(fd, n int, send, want byte) string {
	wrote := make(chan error, 1)
	go func() { wrote <- sys.WriteFull(fd, tagged(n, send)) }()
	got := make([]byte, n)
	if err := sys.ReadFull(fd, got); err != nil {
		return "read: " + proc.Answer(err)
	}
	if err := <-wrote; err != nil {
		return "write: " + proc.Answer(err)
	}
	exp := tagged(n, want)
	for i := range got {
		if got[i] != exp[i] {
			return "bad at " + strconv.Itoa(i)
		}
	}
	return "ok"
}

// The test's side.

// newSocket makes a socket of the family that reaches addr, owned by the
// test.
func newSocket(t *testing.T, addr string, typ int) int {
	t.Helper()
	fd, err := socket(Family(addr), typ)
	if err != nil {
		t.Fatalf("socket for %s: %s", addr, sys.ErrnoName(err))
	}
	return sys.Own(t, fd)
}

// mustSetopt sets an integer socket option.
func mustSetopt(t *testing.T, fd int, name string, value int) {
	t.Helper()
	if err := setopt(fd, name, value); err != nil {
		t.Fatalf("setsockopt %s=%d: %s", name, value, sys.ErrnoName(err))
	}
}

// mustGetopt reads an integer socket option.
func mustGetopt(t *testing.T, fd int, name string) int {
	t.Helper()
	v, err := getopt(fd, name)
	if err != nil {
		t.Fatalf("getsockopt %s: %s", name, sys.ErrnoName(err))
	}
	return v
}

// boundSocket makes a socket of type typ bound to addr on a port the kernel
// picks, and returns it with the port.
func boundSocket(t *testing.T, addr string, typ int, opts ...string) (fd, port int) {
	t.Helper()
	fd = newSocket(t, addr, typ)
	for _, o := range opts {
		mustSetopt(t, fd, o, 1)
	}
	if err := bind(fd, addr, 0); err != nil {
		t.Fatalf("bind %s port 0: %s", addr, sys.ErrnoName(err))
	}
	port, err := LocalPort(fd)
	if err != nil {
		t.Fatalf("getsockname: %s", sys.ErrnoName(err))
	}
	return fd, port
}

// listener is a listening TCP socket on addr, on a port the kernel picks,
// with the boolean options opts set before bind.
func listener(t *testing.T, addr string, opts ...string) (fd, port int) {
	t.Helper()
	fd, port = boundSocket(t, addr, unix.SOCK_STREAM, opts...)
	if err := unix.Listen(fd, 64); err != nil {
		t.Fatalf("listen: %s", sys.ErrnoName(err))
	}
	return fd, port
}

// waitReadable waits for POLLIN (or an error or hang-up) on fd: for data or
// a connection that another process has already sent on its way, which
// arrives in microseconds, so it fails after WakeBound.
func waitReadable(t *testing.T, fd int, what string) {
	t.Helper()
	rev, err := sys.Revents(fd, unix.POLLIN, int(sys.WakeBound()/time.Millisecond))
	if err != nil {
		t.Fatalf("%s: poll: %s", what, sys.ErrnoName(err))
	}
	if rev == 0 {
		t.Fatalf("%s: fd %d not readable within %v", what, fd, sys.WakeBound())
	}
}

// acceptQueued accepts a connection already in the listener's queue.
func acceptQueued(t *testing.T, lfd int) int {
	t.Helper()
	waitReadable(t, lfd, "a queued connection")
	fd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
	if err != nil {
		t.Fatalf("accept: %s", sys.ErrnoName(err))
	}
	return sys.Own(t, fd)
}

// readArrived reads once, with a buffer of n bytes, what another process
// has already sent.
func readArrived(t *testing.T, fd, n int, what string) string {
	t.Helper()
	waitReadable(t, fd, what)
	buf := make([]byte, n)
	got, err := sys.Read(fd, buf)
	if err != nil {
		t.Fatalf("%s: read: %s", what, sys.ErrnoName(err))
	}
	return string(buf[:got])
}

// requireRead reads once what another process has already sent and
// requires exactly want.
func requireRead(t *testing.T, fd, n int, want, what string) {
	t.Helper()
	if got := readArrived(t, fd, n, what); got != want {
		t.Fatalf("%s: read %q, want %q", what, got, want)
	}
}

// tcpPair is a TCP connection over addr between the test (fd) and a "sock"
// peer (its fd pfd): the peer connected, the test accepted. No listener is
// left.
func tcpPair(t *testing.T, addr string) (fd int, p *proc.Peer, pfd string) {
	t.Helper()
	lfd, port := listener(t, addr)
	p, _ = spawnSock(t)
	pfd = peerConnect(t, p, addr, port)
	fd = acceptQueued(t, lfd)
	sys.Close(lfd)
	return fd, p, pfd
}

// requireIPv6 skips the test where the machine has no IPv6 loopback.
func requireIPv6(t *testing.T) {
	t.Helper()
	fd, err := socket(unix.AF_INET6, unix.SOCK_STREAM)
	if err == nil {
		defer unix.Close(fd)
		err = bind(fd, LoopbackV6, 0)
	}
	if err != nil {
		t.Skipf("no IPv6 loopback on this machine: a socket bound to ::1 fails with %s", sys.ErrnoName(err))
	}
}

// tcpTimeWait is TCP_TIME_WAIT as /proc/net/tcp writes the state.
const tcpTimeWait = "06"

// tcpStates lists the states (as /proc/net/tcp writes them) of the IPv4
// TCP sockets whose local port is port.
func tcpStates(t *testing.T, port int) []string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/net/tcp")
	if err != nil {
		t.Skipf("no /proc/self/net/tcp to see socket states: %v", err)
	}
	var out []string
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for _, line := range lines[1:] {
		f := strings.Fields(line) // sl local_address rem_address st ...
		if len(f) < 4 {
			continue
		}
		_, hex, _ := strings.Cut(f[1], ":")
		if p, err := strconv.ParseUint(hex, 16, 16); err == nil && int(p) == port {
			out = append(out, f[3])
		}
	}
	return out
}

// badAt is the first index where p differs from pattern, or -1.
func badAt(p []byte) int {
	want := pattern(len(p))
	for i := range p {
		if p[i] != want[i] {
			return i
		}
	}
	return -1
}

// firstCPU is the lowest-numbered CPU this process may run on.
func firstCPU(t *testing.T) int {
	t.Helper()
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Fatalf("sched_getaffinity: %s", sys.ErrnoName(err))
	}
	for cpu := range 1024 {
		if set.IsSet(cpu) {
			return cpu
		}
	}
	t.Fatal("sched_getaffinity: no CPU in the set")
	return -1
}
