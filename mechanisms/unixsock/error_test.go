package unixsock

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Writing to a stream socket whose peer has closed raises SIGPIPE, which
// kills a writer under the default disposition (its wait status says so)
// and leaves EPIPE for one that ignores it; MSG_NOSIGNAL gives EPIPE with
// no signal even under the default disposition.
func TestWriteToAClosedStreamPeer(t *testing.T) {
	// start hands the peer one end of a stream pair and closes the other
	// once the peer is ready.
	start := func(t *testing.T, role string, args ...string) *proc.Peer {
		mine, theirs := socketpair(t, unix.SOCK_STREAM)
		peer := proc.Spawn(t, role, proc.PeerSpec{Files: []int{theirs}, Handoff: true, Args: args})
		if role == "sigpipe" {
			peer.Expect(t, "ready")
		}
		sys.Close(mine)
		return peer
	}
	requireDefaultSignal := func(t *testing.T) {
		if !sys.SigactionKnown {
			t.Skip("the kernel's struct sigaction of this architecture is not known to sys.DefaultSignal")
		}
	}
	t.Run("default_disposition_dies_of_SIGPIPE", func(t *testing.T) {
		requireDefaultSignal(t)
		peer := start(t, "sigpipe", "mode=default")
		peer.Send(t, "write")
		peer.RequireSignal(t, unix.SIGPIPE)
	})
	t.Run("ignored_SIGPIPE_gives_EPIPE", func(t *testing.T) {
		peer := start(t, "sigpipe", "mode=ignore")
		peer.Send(t, "write")
		peer.Expect(t, "EPIPE signal=-")
		peer.RequireExit(t, 0)
	})
	t.Run("MSG_NOSIGNAL_gives_EPIPE_without_a_signal", func(t *testing.T) {
		requireDefaultSignal(t)
		peer := sockPeer{start(t, "sock")}
		peer.Must(t, "EPIPE", "nosigpipe %d", peerFile(0))
		peer.Send(t, "exit")
		peer.RequireExit(t, 0)
	})
}

// A datagram to a socket that has closed is refused: on a connected
// socket the first send fails with ECONNREFUSED and disconnects it (the
// next is ENOTCONN); sendto a file whose socket is gone is ECONNREFUSED.
func TestDatagramToAClosedPeerIsRefused(t *testing.T) {
	t.Run("connected", func(t *testing.T) {
		fd, peer := pairWithPeer(t, unix.SOCK_DGRAM, proc.PeerSpec{})
		peer.Send(t, "exit")
		peer.RequireExit(t, 0)
		_, err := send(fd, []byte("x"), nil, 0)
		sys.RequireErrno(t, err, unix.ECONNREFUSED, "send to the closed peer of a connected datagram socket")
		_, err = send(fd, []byte("x"), nil, 0)
		sys.RequireErrno(t, err, unix.ENOTCONN, "the next send")
	})
	t.Run("by_path", func(t *testing.T) {
		path := sockPath(t)
		peer := spawnSock(t, proc.PeerSpec{})
		s := peer.fd(t, "socket dgram")
		peer.Must(t, "ok", "bind %d %s", s, path)
		peer.Send(t, "exit")
		peer.RequireExit(t, 0)
		_, err := send(socket(t, unix.SOCK_DGRAM), []byte("x"), Addr(path), 0)
		sys.RequireErrno(t, err, unix.ECONNREFUSED, "sendto the file of a closed datagram socket")
	})
}

// maxDgramQlen reads net.unix.max_dgram_qlen, which a datagram socket
// takes as its receive queue's limit when it is made.
func maxDgramQlen(t testing.TB) int {
	t.Helper()
	return sys.RequireSysctl(t, "net/unix/max_dgram_qlen")
}

// dgramSender makes the peer connect a datagram socket to name, with a
// send buffer large enough that the receiver's queue fills before it
// (net.unix.max_dgram_qlen may be hundreds, as systemd sets it):
// SO_SNDBUFFORCE where the peer may exceed wmem_max, SO_SNDBUF otherwise.
func dgramSender(t *testing.T, peer sockPeer, name string) int {
	t.Helper()
	s := peer.fd(t, "socket dgram")
	if got := peer.Ask(t, "sockopt %d %d %d", s, unix.SO_SNDBUFFORCE, 1<<23); got == "EPERM" {
		t.Logf("SO_SNDBUFFORCE: EPERM; SO_SNDBUF %s", peer.Ask(t, "sockopt %d %d %d", s, unix.SO_SNDBUF, 1<<23))
	}
	peer.Must(t, "ok", "connect %d %s", s, name)
	return s
}

// A datagram socket's receive queue holds max_dgram_qlen+1 datagrams from
// a sender that is not its own peer: then a non-blocking send fails with
// EAGAIN, and a blocking one sleeps until the receiver takes a datagram.
func TestFullDatagramQueueBlocksTheSender(t *testing.T) {
	qlen := maxDgramQlen(t)
	name := abstractName()
	r := listenAt(t, unix.SOCK_DGRAM, name, 0)
	peer := spawnSock(t, proc.PeerSpec{})
	s := dgramSender(t, peer, name)
	peer.Must(t, strconv.Itoa(qlen+1), "fill %d 1", s)
	peer.Start(t, "send %d last 0", s)
	peer.requireBlocked(t, "send to a full datagram queue")
	mustRecv(t, r, 16, 0, "\x00")
	peer.Expect(t, "4")
}

// A listening stream socket queues backlog+1 connections that nobody has
// accepted: then a non-blocking connect fails with EAGAIN, and a blocking
// one sleeps until the listener accepts.
func TestFullBacklogRefusesNonblockingConnect(t *testing.T) {
	for _, backlog := range []int{1, 4} {
		t.Run("backlog_"+strconv.Itoa(backlog), func(t *testing.T) {
			name := abstractName()
			l := listenAt(t, unix.SOCK_STREAM, name, backlog)
			peer := spawnSock(t, proc.PeerSpec{})
			peer.Must(t, strconv.Itoa(backlog+1), "connectall %s", name)
			s := peer.fd(t, "socket stream")
			peer.Start(t, "connect %d %s", s, name)
			peer.requireBlocked(t, "connect to a full backlog")
			accept(t, l)
			peer.Expect(t, "ok")
		})
	}
}

// Datagrams a peer sent before it exited stay readable, but a connected
// datagram socket whose send is then refused drops the datagrams waiting
// unread in its own receive queue (net/unix: a broken link of a
// bidirectional datagram pipe loses its messages).
func TestRefusedSendDropsUnreadDatagrams(t *testing.T) {
	for _, c := range []struct {
		name    string
		sendErr bool
		want    string
	}{
		{"peer_exit_keeps_them", false, "echo"},
		{"refused_send_drops_them", true, "EAGAIN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fd, peer := pairWithPeer(t, unix.SOCK_DGRAM, proc.PeerSpec{})
			peer.Must(t, "4", "send %d echo 0", peerFile(0))
			peer.Send(t, "exit")
			peer.RequireExit(t, 0)
			if c.sendErr {
				_, err := send(fd, []byte("x"), nil, 0)
				sys.RequireErrno(t, err, unix.ECONNREFUSED, "send to the exited peer")
			}
			mustRecv(t, fd, 16, unix.MSG_DONTWAIT, c.want)
		})
	}
}

// poll on a datagram socket connected to a full queue reports no POLLOUT
// and sleeps until the receiver takes a datagram, then reports POLLOUT: the
// sender is woken by the reader, not left to retry.
func TestPollWaitsForRoomAtAFullDatagramQueue(t *testing.T) {
	name := abstractName()
	r := listenAt(t, unix.SOCK_DGRAM, name, 0)
	peer := spawnSock(t, proc.PeerSpec{})
	s := dgramSender(t, peer, name)
	if got := peer.Ask(t, "fill %d 1", s); strings.Contains(got, " ") {
		t.Fatalf("filling the queue: %s", got)
	}
	peer.Must(t, "0x0", "poll %d %#x 0", s, unix.POLLOUT)
	peer.Start(t, "poll %d %#x -1", s, unix.POLLOUT)
	peer.RequireSilent(t, "poll for POLLOUT at a full datagram queue")
	mustRecv(t, r, 16, 0, "\x00")
	peer.Expect(t, fmt.Sprintf("%#x", unix.POLLOUT))
}

// A stream socket polls POLLRDHUP once the peer has shut down its writing
// side, and POLLHUP as well once the peer has closed; data still queued
// keeps POLLIN.
func TestPollReportsThePeersShutdownAndClose(t *testing.T) {
	fd, peer := pairWithPeer(t, unix.SOCK_STREAM, proc.PeerSpec{})
	const events = unix.POLLIN | unix.POLLOUT | unix.POLLRDHUP
	requireRevents(t, fd, events, unix.POLLOUT)
	peer.Must(t, "4", "send %d last 0", peerFile(0))
	peer.Must(t, "ok", "shutdown %d %d", peerFile(0), unix.SHUT_WR)
	requireRevents(t, fd, events, unix.POLLIN|unix.POLLOUT|unix.POLLRDHUP)
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	requireRevents(t, fd, events, unix.POLLIN|unix.POLLOUT|unix.POLLRDHUP|unix.POLLHUP)
}

// requireRevents fails unless a poll of fd for events returns want at once.
func requireRevents(t *testing.T, fd int, events, want int16) {
	t.Helper()
	rev, err := sys.Revents(fd, events, 0)
	if err != nil || rev != want {
		t.Fatalf("poll(%#x): %#x, %s; want %#x", events, rev, sys.ErrnoName(err), want)
	}
}
