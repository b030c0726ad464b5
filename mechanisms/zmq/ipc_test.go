//go:build zmq

package zmq

import (
	"os"
	"strings"
	"testing"

	zmq4 "github.com/pebbe/zmq4"
	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// An ipc endpoint is a socket file. libzmq 4.3 leaves it in place when
// the socket stops listening, on close and on unbind (it removes only the
// files of the temporary directories it makes for "ipc://*"); no one
// listens there then (connect(2): ECONNREFUSED), and the next bind to the
// path replaces it. A peer has connected through the file first, so it is
// the one in use.
func TestIPCSocketFile(t *testing.T) {
	t.Run("close leaves the socket file with no listener", func(t *testing.T) {
		rep, path := ipcInUse(t)
		if err := rep.Close(); err != nil {
			t.Fatalf("close: %s", ErrName(err))
		}
		requireStaleSocketFile(t, path)
	})
	t.Run("unbind leaves the socket file with no listener", func(t *testing.T) {
		rep, path := ipcInUse(t)
		defer mustClose(t, rep)
		if err := rep.Unbind("ipc://" + path); err != nil {
			t.Fatalf("unbind: %s", ErrName(err))
		}
		// The I/O thread closes the listener after unbind returns; the
		// monitor's CLOSED event says it has.
		for {
			ev, err := rep.Event(sys.WakeBound())
			if err != nil {
				t.Fatalf("no EVENT_CLOSED after unbind: %s", ErrName(err))
			}
			if ev == zmq4.EVENT_CLOSED {
				break
			}
		}
		requireStaleSocketFile(t, path)
	})
	t.Run("bind replaces a stale socket file", func(t *testing.T) {
		rep, path := ipcInUse(t)
		if err := rep.Close(); err != nil {
			t.Fatalf("close: %s", ErrName(err))
		}
		requireStaleSocketFile(t, path)
		again := newSocket(t, zmq4.REP)
		defer mustClose(t, again)
		peer := peerSocket(t, "REQ", bound(t, again, "ipc://"+path))
		peer.Must(t, "ok", "send again")
		mustRecv(t, again, "again")
	})
}

// ipcInUse binds a REP of the test's goroutine to a socket file, watched
// by a monitor, and makes a round trip with a REQ peer through it. The
// caller closes the socket.
func ipcInUse(t *testing.T) (*Socket, string) {
	t.Helper()
	rep := newSocket(t, zmq4.REP)
	if err := rep.Watch(zmq4.EVENT_CLOSED); err != nil {
		rep.Close()
		t.Fatalf("monitor: %s", ErrName(err))
	}
	addr := ipcAddr(t)
	peer := peerSocket(t, "REQ", bound(t, rep, addr))
	peer.Must(t, "ok", "send hello")
	mustRecv(t, rep, "hello")
	mustSend(t, rep, "bye", false)
	peer.Must(t, "bye", "recv")
	return rep, strings.TrimPrefix(addr, "ipc://")
}

// requireStaleSocketFile checks that path is a socket file that no one
// listens on.
func requireStaleSocketFile(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("socket file after the listener closed: %v", err)
	}
	if fi.Mode().Type() != os.ModeSocket {
		t.Fatalf("%s is %v, want a socket", path, fi.Mode().Type())
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socket: %s", ErrName(err))
	}
	defer unix.Close(fd)
	err = sys.Retry(func() error { return unix.Connect(fd, &unix.SockaddrUnix{Name: path}) })
	sys.RequireErrno(t, err, unix.ECONNREFUSED, "connect to the socket file after the listener closed")
}
