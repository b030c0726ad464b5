package unixsock

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Socket options and control messages of Linux 6.5 (asm-generic/socket.h)
// that x/sys/unix lacks.
const (
	soPassPidfd = 76 // SO_PASSPIDFD
	soPeerPidfd = 77 // SO_PEERPIDFD
)

// SO_PEERCRED gives each side of a connection the pid, uid and gid of the
// process at the other end: a peer of another uid connects to the test,
// and each sees the other's.
func TestSO_PEERCREDGivesThePeersPidUidGid(t *testing.T) {
	cred := sys.OtherUID(t)
	name := abstractName()
	l := listenAt(t, unix.SOCK_STREAM, name, 1)
	peer := spawnSock(t, proc.PeerSpec{Credential: cred})
	s := peer.fd(t, "socket stream")
	peer.Must(t, "ok", "connect %d %s", s, name)
	c := accept(t, l)
	got, err := unix.GetsockoptUcred(c, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		t.Fatalf("SO_PEERCRED: %s", sys.ErrnoName(err))
	}
	if want := (unix.Ucred{Pid: int32(peer.Pid), Uid: cred.Uid, Gid: cred.Gid}); *got != want {
		t.Errorf("SO_PEERCRED of the accepted socket: %s, want %s", credString(got), credString(&want))
	}
	peer.Must(t, fmt.Sprintf("pid=%d uid=%d gid=%d", os.Getpid(), os.Getuid(), os.Getgid()), "peercred %d", s)
}

// credPair makes a stream socketpair whose test end has SO_PASSCRED and
// whose other end a "sock" peer of another uid holds.
func credPair(t *testing.T) (int, sockPeer, *unix.Ucred) {
	t.Helper()
	cred := sys.OtherUID(t)
	fd, peer := pairWithPeer(t, unix.SOCK_STREAM, proc.PeerSpec{Credential: cred})
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		t.Fatalf("SO_PASSCRED: %s", sys.ErrnoName(err))
	}
	return fd, peer, &unix.Ucred{Pid: int32(peer.Pid), Uid: cred.Uid, Gid: cred.Gid}
}

// recvCred receives one message with its SCM_CREDENTIALS.
func recvCred(t testing.TB, fd int) (string, *unix.Ucred) {
	t.Helper()
	buf, oob := make([]byte, 64), make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	n, oobn, _, err := recvmsg(fd, buf, oob, 0)
	if err != nil {
		t.Fatalf("recvmsg: %s", sys.ErrnoName(err))
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("control messages with SO_PASSCRED: %d, %v; want one", len(msgs), err)
	}
	c, err := unix.ParseUnixCredentials(&msgs[0])
	if err != nil {
		t.Fatalf("parse SCM_CREDENTIALS: %v", err)
	}
	return string(buf[:n]), c
}

// With SO_PASSCRED on the receiver, every message carries its sender's
// real pid, uid and gid, though the sender attached none.
func TestSCM_CREDENTIALSGivesTheSendersPidUidGid(t *testing.T) {
	fd, peer, want := credPair(t)
	peer.Must(t, "5", "send %d plain 0", peerFile(0))
	text, got := recvCred(t, fd)
	if text != "plain" || *got != *want {
		t.Fatalf("received %q with %s, want \"plain\" with %s", text, credString(got), credString(want))
	}
}

// A process without CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID may send
// only its own pid, uid and gid as SCM_CREDENTIALS: claiming anything
// else is EPERM; its own arrive as sent.
func TestNonRootCannotClaimAnothersCredentials(t *testing.T) {
	fd, peer, own := credPair(t)
	for _, c := range []struct {
		name string
		cred unix.Ucred
		want string
	}{
		{"its_own", *own, "ok"},
		{"another_pid", unix.Ucred{Pid: int32(os.Getpid()), Uid: own.Uid, Gid: own.Gid}, "EPERM"},
		{"another_uid", unix.Ucred{Pid: own.Pid, Uid: 0, Gid: own.Gid}, "EPERM"},
		{"another_gid", unix.Ucred{Pid: own.Pid, Uid: own.Uid, Gid: 0}, "EPERM"},
	} {
		t.Run(c.name, func(t *testing.T) {
			peer.Must(t, c.want, "sendcred %d %d %d %d", peerFile(0), c.cred.Pid, c.cred.Uid, c.cred.Gid)
			if c.want != "ok" {
				mustRecv(t, fd, 16, unix.MSG_DONTWAIT, "EAGAIN")
				return
			}
			if text, got := recvCred(t, fd); text != "cred" || *got != c.cred {
				t.Fatalf("received %q with %s, want \"cred\" with %s", text, credString(got), credString(&c.cred))
			}
		})
	}
}

// pidOfPidfd reads the pid a pidfd refers to from /proc/self/fdinfo.
func pidOfPidfd(t testing.TB, fd int) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			pid, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatalf("fdinfo of pidfd %d: %q", fd, line)
			}
			return pid
		}
	}
	t.Fatalf("fdinfo of fd %d has no Pid line: not a pidfd:\n%s", fd, data)
	return 0
}

// requirePidfdOf fails unless pidfd refers to peer: the pid matches, and
// the pidfd turns readable when the peer exits, not before.
func requirePidfdOf(t *testing.T, pidfd int, peer sockPeer) {
	t.Helper()
	if got := pidOfPidfd(t, pidfd); got != peer.Pid {
		t.Fatalf("pidfd refers to pid %d, want the peer's %d", got, peer.Pid)
	}
	if rev, err := sys.Revents(pidfd, unix.POLLIN, 0); err != nil || rev != 0 {
		t.Fatalf("poll of the pidfd while the peer runs: %#x, %s; want nothing", rev, sys.ErrnoName(err))
	}
	peer.Send(t, "exit")
	peer.RequireExit(t, 0)
	if rev, err := sys.Revents(pidfd, unix.POLLIN, int(sys.WakeBound().Milliseconds())); err != nil || rev&unix.POLLIN == 0 {
		t.Fatalf("poll of the pidfd after the peer exited: %#x, %s; want POLLIN", rev, sys.ErrnoName(err))
	}
}

// SO_PEERPIDFD (Linux 6.5) gives a pidfd of the process that connected.
func TestSO_PEERPIDFDRefersToThePeer(t *testing.T) {
	sys.RequireKernel(t, "6.5", "SO_PEERPIDFD")
	name := abstractName()
	l := listenAt(t, unix.SOCK_STREAM, name, 1)
	peer := spawnSock(t, proc.PeerSpec{})
	s := peer.fd(t, "socket stream")
	peer.Must(t, "ok", "connect %d %s", s, name)
	c := accept(t, l)
	pidfd, err := unix.GetsockoptInt(c, unix.SOL_SOCKET, soPeerPidfd)
	sys.RequireFeature(t, "6.5", "SO_PEERPIDFD", err, unix.ENOPROTOOPT)
	sys.Own(t, pidfd)
	requirePidfdOf(t, pidfd, peer)
}

// With SO_PASSPIDFD (Linux 6.5) on the receiver, a message carries an
// SCM_PIDFD control message: a pidfd of the sending process.
func TestSCM_PIDFDRefersToTheSender(t *testing.T) {
	sys.RequireKernel(t, "6.5", "SO_PASSPIDFD and SCM_PIDFD")
	fd, peer := pairWithPeer(t, unix.SOCK_STREAM, proc.PeerSpec{})
	err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, soPassPidfd, 1)
	sys.RequireFeature(t, "6.5", "SO_PASSPIDFD", err, unix.ENOPROTOOPT)
	peer.Must(t, "2", "send %d hi 0", peerFile(0))
	buf, oob := make([]byte, 16), make([]byte, unix.CmsgSpace(4))
	n, oobn, flags, err := recvmsg(fd, buf, oob, 0)
	if err != nil || string(buf[:n]) != "hi" || flags&unix.MSG_CTRUNC != 0 {
		t.Fatalf("recvmsg: %q, flags %#x, %s", buf[:n], flags, sys.ErrnoName(err))
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 || msgs[0].Header.Level != unix.SOL_SOCKET || msgs[0].Header.Type != unix.SCM_PIDFD || len(msgs[0].Data) < 4 {
		t.Fatalf("control messages with SO_PASSPIDFD: %+v, %v; want one SCM_PIDFD", msgs, err)
	}
	pidfd := sys.Own(t, int(int32(binary.NativeEndian.Uint32(msgs[0].Data))))
	requirePidfdOf(t, pidfd, peer)
}

// SO_PEERCRED holds the credentials the peer had when it connected, while
// SCM_CREDENTIALS carries those it has when it sends: a root peer that
// connects and then becomes uid 65534 shows root in the one and 65534 in
// the other.
func TestSO_PEERCREDIsTakenAtConnectSCM_CREDENTIALSAtSend(t *testing.T) {
	cred := sys.OtherUID(t)
	name := abstractName()
	l := listenAt(t, unix.SOCK_STREAM, name, 1)
	peer := spawnSock(t, proc.PeerSpec{})
	s := peer.fd(t, "socket stream")
	peer.Must(t, "ok", "connect %d %s", s, name)
	c := accept(t, l)
	if err := unix.SetsockoptInt(c, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		t.Fatalf("SO_PASSCRED: %s", sys.ErrnoName(err))
	}
	peer.Must(t, "ok", "setuid %d", cred.Uid)
	peer.Must(t, "5", "send %d after 0", s)

	atConnect := unix.Ucred{Pid: int32(peer.Pid), Uid: uint32(os.Getuid()), Gid: uint32(os.Getgid())}
	got, err := unix.GetsockoptUcred(c, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil || *got != atConnect {
		t.Errorf("SO_PEERCRED after the peer changed uid: %v, %s; want %s, its credentials at connect", got, sys.ErrnoName(err), credString(&atConnect))
	}
	atSend := unix.Ucred{Pid: int32(peer.Pid), Uid: cred.Uid, Gid: cred.Gid}
	if text, sent := recvCred(t, c); text != "after" || *sent != atSend {
		t.Errorf("SCM_CREDENTIALS of a message sent after the change: %q with %s, want \"after\" with %s", text, credString(sent), credString(&atSend))
	}
}
