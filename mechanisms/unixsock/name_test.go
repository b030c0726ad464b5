package unixsock

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// bindErr binds a new socket of typ to addr and returns bind's error.
func bindErr(t testing.TB, typ int, addr string) error {
	t.Helper()
	return unix.Bind(socket(t, typ), Addr(addr))
}

// peerListens makes the peer bind a stream socket to addr and listen, and
// returns the peer's fd.
func peerListens(t *testing.T, peer sockPeer, addr string) int {
	t.Helper()
	s := peer.fd(t, "socket stream")
	peer.Must(t, "ok", "bind %d %s", s, addr)
	peer.Must(t, "ok", "listen %d 4", s)
	return s
}

// The socket file a bind made stays after the socket and its process are
// gone; binding to it fails with EADDRINUSE until it is unlinked.
func TestSocketFileRemainsUntilUnlinked(t *testing.T) {
	path := sockPath(t)
	peer := spawnSock(t, proc.PeerSpec{})
	peerListens(t, peer, path)
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		t.Fatalf("lstat of the socket file after its process exited: mode %#o, %s; want a socket", st.Mode, sys.ErrnoName(err))
	}
	sys.RequireErrno(t, bindErr(t, unix.SOCK_STREAM, path), unix.EADDRINUSE, "bind to the file left behind")
	if err := unix.Unlink(path); err != nil {
		t.Fatalf("unlink: %s", sys.ErrnoName(err))
	}
	if err := bindErr(t, unix.SOCK_STREAM, path); err != nil {
		t.Fatalf("bind after unlink: %s", sys.ErrnoName(err))
	}
}

// connect tells a missing name (ENOENT) from a name whose socket does not
// listen (ECONNREFUSED): a file left by a socket that is gone, or a socket
// that is bound and alive but never listened.
func TestConnectWithoutAListener(t *testing.T) {
	t.Run("missing_path_is_ENOENT", func(t *testing.T) {
		err := unix.Connect(socket(t, unix.SOCK_STREAM), Addr(sockPath(t)))
		sys.RequireErrno(t, err, unix.ENOENT, "connect to a missing path")
	})
	t.Run("file_of_a_closed_socket_is_ECONNREFUSED", func(t *testing.T) {
		path := sockPath(t)
		peer := spawnSock(t, proc.PeerSpec{})
		peerListens(t, peer, path)
		peer.Send(t, "exit")
		peer.RequireExit(t, 0)
		err := unix.Connect(socket(t, unix.SOCK_STREAM), Addr(path))
		sys.RequireErrno(t, err, unix.ECONNREFUSED, "connect to the file of a closed socket")
	})
	t.Run("bound_socket_not_listening_is_ECONNREFUSED", func(t *testing.T) {
		path := sockPath(t)
		peer := spawnSock(t, proc.PeerSpec{})
		s := peer.fd(t, "socket stream")
		peer.Must(t, "ok", "bind %d %s", s, path)
		err := unix.Connect(socket(t, unix.SOCK_STREAM), Addr(path))
		sys.RequireErrno(t, err, unix.ECONNREFUSED, "connect to a bound socket that does not listen")
	})
}

// rawBind binds fd to a path of exactly the bytes given, with no NUL
// added, and an address length that counts only those bytes: the way to
// hand the kernel an address longer than sun_path, which Go's own
// sockaddr conversion refuses before the kernel sees it.
func rawBind(fd int, path string) error {
	buf := make([]byte, 2+len(path))
	*(*uint16)(unsafe.Pointer(&buf[0])) = unix.AF_UNIX
	copy(buf[2:], path)
	_, err := sys.SyscallArgs(unix.SYS_BIND, sys.Num(fd), sys.Ptr(unsafe.Pointer(&buf[0])), sys.Num(len(buf)))
	return err
}

// pathOfLen returns a path of exactly n bytes in dir.
func pathOfLen(t testing.TB, dir string, n int) string {
	t.Helper()
	fill := n - len(dir) - 1
	if fill < 1 {
		t.Skipf("directory %s too long for a %d-byte path", dir, n)
	}
	return filepath.Join(dir, strings.Repeat("x", fill))
}

// sun_path holds 108 bytes: a path that fills it without a NUL is taken
// (the kernel terminates it), one byte more makes the address longer than
// struct sockaddr_un and bind fails with EINVAL, creating nothing.
func TestNameLongerThanSunPathIsRefused(t *testing.T) {
	dir := proc.Dir(t)
	full := pathOfLen(t, dir, sunPathLen)
	if err := rawBind(socket(t, unix.SOCK_STREAM), full); err != nil {
		t.Fatalf("bind to a path of %d bytes: %s", sunPathLen, sys.ErrnoName(err))
	}
	if _, err := os.Lstat(full); err != nil {
		t.Fatalf("the %d-byte path after bind: %v", sunPathLen, err)
	}
	over := pathOfLen(t, dir, sunPathLen+1)
	sys.RequireErrno(t, rawBind(socket(t, unix.SOCK_STREAM), over), unix.EINVAL, "bind to a path of 109 bytes")
	if _, err := os.Lstat(over); !os.IsNotExist(err) {
		t.Fatalf("the 109-byte path after the refused bind: %v, want no file", err)
	}
}

// An abstract name (sun_path starting with NUL) makes no file, even when
// the bytes after the NUL spell a path; the name is held while its socket
// lives (EADDRINUSE) and is free again once the socket's process is gone
// (ECONNREFUSED, and a new bind succeeds).
func TestAbstractNameLeavesNoFileAndVanishesWithItsSocket(t *testing.T) {
	path := sockPath(t)
	name := "@" + path
	peer := spawnSock(t, proc.PeerSpec{})
	peerListens(t, peer, name)
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Fatalf("lstat %s with the abstract name %q bound: %v, want no file", path, name, err)
	}
	if err := unix.Connect(socket(t, unix.SOCK_STREAM), Addr(name)); err != nil {
		t.Fatalf("connect to the abstract name: %s", sys.ErrnoName(err))
	}
	sys.RequireErrno(t, bindErr(t, unix.SOCK_STREAM, name), unix.EADDRINUSE, "bind to the abstract name in use")
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	err := unix.Connect(socket(t, unix.SOCK_STREAM), Addr(name))
	sys.RequireErrno(t, err, unix.ECONNREFUSED, "connect to the abstract name once its socket is gone")
	if err := bindErr(t, unix.SOCK_STREAM, name); err != nil {
		t.Fatalf("bind to the abstract name once its socket is gone: %s", sys.ErrnoName(err))
	}
}

// autobindName is the form of the abstract names autobind gives: five hex
// digits.
var autobindName = regexp.MustCompile(`^@[0-9a-f]{5}$`)

// bind with only the address family (no name) autobinds: the kernel picks
// an abstract name of five hex digits, which is the sender address a
// receiver sees.
func TestAutobindPicksAnAbstractName(t *testing.T) {
	name := abstractName()
	r := listenAt(t, unix.SOCK_DGRAM, name, 0)
	peer := spawnSock(t, proc.PeerSpec{})
	s := peer.fd(t, "socket dgram")
	got := peer.Ask(t, "autobind %d", s)
	if !autobindName.MatchString(got) {
		t.Fatalf("name after autobind: %q, want @ and five hex digits", got)
	}
	peer.Must(t, "2", "sendto %d hi %s", s, name)
	buf := make([]byte, 16)
	n, from, err := recvfrom(r, buf)
	if err != nil || string(buf[:n]) != "hi" || nameOf(from) != got {
		t.Fatalf("recvfrom: %q from %s, %s; want \"hi\" from %s", buf[:n], nameOf(from), sys.ErrnoName(err), got)
	}
}
