package unixsock

import (
	"path/filepath"
	"sort"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// sunPathLen is the size of sun_path in struct sockaddr_un.
const sunPathLen = 108

// sockType is one socket type, for tables whose cases run per type.
type sockType struct {
	name string
	typ  int
}

// typesOf lists the named socket types in a fixed order.
func typesOf(typs ...int) []sockType {
	var out []sockType
	for _, typ := range typs {
		out = append(out, sockType{Types[typ], typ})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// socket makes a unix socket of typ that the test owns.
func socket(t testing.TB, typ int) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socket(AF_UNIX, %s): %s", Types[typ], sys.ErrnoName(err))
	}
	return sys.Own(t, fd)
}

// socketpair makes a connected pair of unix sockets of typ that the test
// owns; the second end is usually handed to a peer.
func socketpair(t testing.TB, typ int) (mine, theirs int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socketpair(AF_UNIX, %s): %s", Types[typ], sys.ErrnoName(err))
	}
	return sys.Own(t, fds[0]), sys.Own(t, fds[1])
}

// pairWithPeer makes a socketpair of typ and hands one end to a new "sock"
// peer, which holds the only reference to it (its fd peerFile(0)).
func pairWithPeer(t *testing.T, typ int, spec proc.PeerSpec) (int, sockPeer) {
	t.Helper()
	mine, theirs := socketpair(t, typ)
	spec.Files, spec.Handoff = []int{theirs}, true
	return mine, spawnSock(t, spec)
}

// sockPath returns a fresh path for a socket file in a directory of the
// run, which the leak check covers and which is removed when the test
// ends. A run directory too long for sun_path skips the test.
func sockPath(t testing.TB) string {
	t.Helper()
	path := filepath.Join(proc.Dir(t), "s")
	if len(path) >= sunPathLen {
		t.Skipf("socket path %s is %d bytes, longer than sun_path holds (%d with its NUL); set TMPDIR to a shorter directory", path, len(path), sunPathLen)
	}
	return path
}

// abstractName returns a fresh abstract socket name of this run, written
// with Go's leading '@'.
func abstractName() string { return "@" + proc.Name() }

// listenAt makes a socket of typ bound to addr, listening with backlog
// (datagram sockets only bind).
func listenAt(t testing.TB, typ int, addr string, backlog int) int {
	t.Helper()
	fd := socket(t, typ)
	if err := unix.Bind(fd, Addr(addr)); err != nil {
		t.Fatalf("bind(%s): %s", addr, sys.ErrnoName(err))
	}
	if typ != unix.SOCK_DGRAM {
		if err := unix.Listen(fd, backlog); err != nil {
			t.Fatalf("listen(%s, %d): %s", addr, backlog, sys.ErrnoName(err))
		}
	}
	return fd
}

// accept takes one connection from a listening socket.
func accept(t testing.TB, fd int) int {
	t.Helper()
	nfd, err := sys.RetryValue(func() (int, error) {
		nfd, _, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
		return nfd, err
	})
	if err != nil {
		t.Fatalf("accept: %s", sys.ErrnoName(err))
	}
	return sys.Own(t, nfd)
}

// mustSend sends msg with one call and fails unless all of it went.
func mustSend(t testing.TB, fd int, msg string, flags int) {
	t.Helper()
	n, err := send(fd, []byte(msg), nil, flags)
	if err != nil || n != len(msg) {
		t.Fatalf("send(%q): %d, %s", msg, n, sys.ErrnoName(err))
	}
}

// recvText is one recv(2) of at most size bytes, rendered as the peer's
// answers are: the text, "EOF" or the errno's name.
func recvText(fd, size, flags int) string {
	buf := make([]byte, size)
	n, err := recv(fd, buf, flags)
	return proc.ReadAnswer(buf, n, err)
}

// mustRecv fails unless one recv(2) of at most size bytes gives want.
func mustRecv(t testing.TB, fd, size, flags int, want string) {
	t.Helper()
	if got := recvText(fd, size, flags); got != want {
		t.Fatalf("recv(%d bytes, flags %#x): %q, want %q", size, flags, got, want)
	}
}
