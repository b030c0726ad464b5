package unixsock

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/stream"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The "sock" peer runs socket calls one command at a time and answers each
// with one line: "ok", a number (an fd, a count), received text, "EOF" for
// a read of 0 bytes, or the errno's name. Fds are numbers in the peer; the
// files of its PeerSpec are fds 3, 4, ... Text is one word; "-" sends
// nothing. Flags may be written in any base ParseInt reads with base 0.
//
// The "sigpipe" peer is stream.SigpipeWriter over a socket end.
func init() {
	proc.Register("sock", sockRole)
	proc.Register("sigpipe", stream.SigpipeWriter)
}

func sockRole([]string) int {
	for {
		cmd := proc.AwaitCommand()
		arg, num := cmd.Arg, cmd.Num
		switch cmd[0] {
		case "socket": // socket TYPE
			proc.Tell(proc.Value(unix.Socket(unix.AF_UNIX, TypeOf(arg(1))|unix.SOCK_CLOEXEC, 0)))
		case "bind": // bind FD ADDR
			proc.Tell(proc.Answer(unix.Bind(num(1), Addr(arg(2)))))
		case "autobind": // autobind FD: bind with no name; answers the name given
			fd := num(1)
			if err := unix.Bind(fd, Addr("")); err != nil {
				proc.Tell(sys.ErrnoName(err))
				continue
			}
			proc.Tell(sockName(fd))
		case "listen": // listen FD BACKLOG
			proc.Tell(proc.Answer(unix.Listen(num(1), num(2))))
		case "connect": // connect FD ADDR
			fd, addr := num(1), Addr(arg(2))
			proc.Tell(proc.Answer(sys.Retry(func() error { return unix.Connect(fd, addr) })))
		case "connectall": // connectall ADDR: non-blocking connects until EAGAIN; answers the count
			proc.Tell(connectAll(arg(1)))
		case "send": // send FD TEXT FLAGS
			proc.Tell(proc.Value(send(num(1), text(arg(2)), nil, num(3))))
		case "sendto": // sendto FD TEXT ADDR
			proc.Tell(proc.Value(send(num(1), text(arg(2)), Addr(arg(3)), 0)))
		case "fill": // fill FD SIZE: non-blocking sends until EAGAIN; answers the count
			proc.Tell(fill(num(1), num(2)))
		case "recv": // recv FD SIZE FLAGS
			buf := make([]byte, num(2))
			n, err := recv(num(1), buf, num(3))
			proc.Tell(proc.ReadAnswer(buf, n, err))
		case "drain": // drain FD: non-blocking receives until EAGAIN; answers the count
			proc.Tell(drain(num(1)))
		case "fionread": // fionread FD
			proc.Tell(proc.Value(sys.FIONREAD(num(1))))
		case "sockopt": // sockopt FD OPT VALUE: sets a SOL_SOCKET option, answers what it reads back
			fd, opt := num(1), num(2)
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, num(3)); err != nil {
				proc.Tell(sys.ErrnoName(err))
				continue
			}
			proc.Tell(proc.Value(unix.GetsockoptInt(fd, unix.SOL_SOCKET, opt)))
		case "poll": // poll FD EVENTS TIMEOUT_MS: answers revents as 0x..., or the errno's name
			rev, err := sys.Revents(num(1), int16(num(2)), num(3))
			if err != nil {
				proc.Tell(sys.ErrnoName(err))
				continue
			}
			proc.Tell(fmt.Sprintf("%#x", rev))
		case "setuid": // setuid ID: gid and uid both become ID, in every thread
			proc.Tell(proc.Answer(errors.Join(syscall.Setresgid(num(1), num(1), num(1)), syscall.Setresuid(num(1), num(1), num(1)))))
		case "shutdown": // shutdown FD HOW
			proc.Tell(proc.Answer(unix.Shutdown(num(1), num(2))))
		case "close": // close FD
			proc.Tell(proc.Answer(unix.Close(num(1))))
		case "peercred": // peercred FD: SO_PEERCRED as "pid=P uid=U gid=G"
			proc.Tell(peerCred(num(1)))
		case "sendcred": // sendcred FD PID UID GID: a message with SCM_CREDENTIALS
			cred := unix.Ucred{Pid: int32(num(2)), Uid: uint32(num(3)), Gid: uint32(num(4))}
			proc.Tell(proc.Answer(sendOOB(num(1), []byte("cred"), unix.UnixCredentials(&cred))))
		case "recvfds": // recvfds FD ROOM: a message with room for ROOM fds
			proc.Tell(recvFDs(num(1), num(2)))
		case "pread": // pread FD SIZE: read at offset 0
			buf := make([]byte, num(2))
			n, err := unix.Pread(num(1), buf, 0)
			proc.Tell(proc.ReadAnswer(buf, n, err))
		case "write": // write FD TEXT
			proc.Tell(proc.Value(sys.Write(num(1), text(arg(2)))))
		case "nosigpipe": // nosigpipe FD: SIGPIPE at SIG_DFL, then send with MSG_NOSIGNAL
			if err := sys.DefaultSignal(unix.SIGPIPE); err != nil {
				proc.Tell(sys.ErrnoName(err))
				continue
			}
			proc.Tell(proc.Value(send(num(1), []byte("x"), nil, unix.MSG_NOSIGNAL)))
		case "exit":
			return 0
		default:
			proc.Fatalf("unknown command %q", cmd)
		}
	}
}

// text is a command's text argument: "-" is empty.
func text(s string) []byte {
	if s == "-" {
		return nil
	}
	return []byte(s)
}

// send is sendto(2), retried on EINTR.
func send(fd int, p []byte, to unix.Sockaddr, flags int) (int, error) {
	return sys.RetryValue(func() (int, error) { return unix.SendmsgN(fd, p, nil, to, flags) })
}

// sendOOB sends p with the control message oob.
func sendOOB(fd int, p, oob []byte) error {
	return sys.Retry(func() error { return unix.Sendmsg(fd, p, oob, nil, 0) })
}

// recv is recvfrom(2) without an address, retried on EINTR.
func recv(fd int, p []byte, flags int) (int, error) {
	return sys.RetryValue(func() (int, error) {
		n, _, err := unix.Recvfrom(fd, p, flags)
		return n, err
	})
}

// recvfrom is recvfrom(2) with the sender's address, retried on EINTR.
func recvfrom(fd int, p []byte) (n int, from unix.Sockaddr, err error) {
	err = sys.Retry(func() error {
		n, from, err = unix.Recvfrom(fd, p, 0)
		return err
	})
	return n, from, err
}

// fill sends messages of size bytes without blocking until EAGAIN and
// renders how many went, or the error that stopped it otherwise.
func fill(fd, size int) string {
	msg := make([]byte, size)
	for n := 0; ; n++ {
		_, err := send(fd, msg, nil, unix.MSG_DONTWAIT)
		if err == unix.EAGAIN {
			return strconv.Itoa(n)
		}
		if err != nil {
			return fmt.Sprintf("%s after %d", sys.ErrnoName(err), n)
		}
	}
}

// connectAll connects new non-blocking stream sockets to addr until one
// fails with EAGAIN, keeps them open, and renders how many connected.
func connectAll(addr string) string {
	for n := 0; ; n++ {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
		if err != nil {
			return fmt.Sprintf("socket: %s after %d", sys.ErrnoName(err), n)
		}
		err = sys.Retry(func() error { return unix.Connect(fd, Addr(addr)) })
		if err == unix.EAGAIN {
			unix.Close(fd)
			return strconv.Itoa(n)
		}
		if err != nil {
			return fmt.Sprintf("%s after %d", sys.ErrnoName(err), n)
		}
	}
}

// drain receives without blocking until EAGAIN and renders how many
// messages (or reads) it took.
func drain(fd int) string {
	buf := make([]byte, 1<<16)
	for n := 0; ; n++ {
		_, err := recv(fd, buf, unix.MSG_DONTWAIT)
		if err == unix.EAGAIN {
			return strconv.Itoa(n)
		}
		if err != nil {
			return fmt.Sprintf("%s after %d", sys.ErrnoName(err), n)
		}
	}
}

func peerCred(fd int) string {
	c, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return sys.ErrnoName(err)
	}
	return credString(c)
}

func credString(c *unix.Ucred) string {
	return fmt.Sprintf("pid=%d uid=%d gid=%d", c.Pid, c.Uid, c.Gid)
}

// recvFDs receives one message whose control buffer has room for room
// fds, and renders it as "TEXT fds=A,B,... ctrunc=BOOL" with the fds as
// numbers in this process.
func recvFDs(fd, room int) string {
	buf, oob := make([]byte, 64), make([]byte, unix.CmsgLen(4*room))
	n, oobn, flags, err := recvmsg(fd, buf, oob, 0)
	if err != nil {
		return sys.ErrnoName(err)
	}
	fds, err := rightsOf(oob[:oobn])
	if err != nil {
		return err.Error()
	}
	var list []string
	for _, f := range fds {
		list = append(list, strconv.Itoa(f))
	}
	return fmt.Sprintf("%s fds=%s ctrunc=%v", buf[:n], strings.Join(list, ","), flags&unix.MSG_CTRUNC != 0)
}

// recvmsg is recvmsg(2) without the address, retried on EINTR.
func recvmsg(fd int, p, oob []byte, flags int) (n, oobn, rflags int, err error) {
	err = sys.Retry(func() error {
		n, oobn, rflags, _, err = unix.Recvmsg(fd, p, oob, flags)
		return err
	})
	return n, oobn, rflags, err
}

// rightsOf returns the fds of the SCM_RIGHTS messages in oob.
func rightsOf(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("parse control messages: %v", err)
	}
	var fds []int
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_RIGHTS {
			got, err := unix.ParseUnixRights(&m)
			if err != nil {
				return nil, fmt.Errorf("parse SCM_RIGHTS: %v", err)
			}
			fds = append(fds, got...)
		}
	}
	return fds, nil
}

// sockName renders a socket's own address (getsockname).
func sockName(fd int) string {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return sys.ErrnoName(err)
	}
	return nameOf(sa)
}

// nameOf renders a unix socket address: its path, "@name" for an abstract
// name, "unnamed" for none.
func nameOf(sa unix.Sockaddr) string {
	u, ok := sa.(*unix.SockaddrUnix)
	switch {
	case !ok || sa == nil:
		return "unnamed"
	case u.Name == "":
		return "unnamed"
	}
	return u.Name
}

// sockPeer is the test's handle on a "sock" peer.
type sockPeer struct{ *proc.Peer }

func spawnSock(t *testing.T, spec proc.PeerSpec) sockPeer {
	t.Helper()
	return sockPeer{proc.Spawn(t, "sock", spec)}
}

// fd makes the peer run a command that answers an fd, and returns it.
func (p sockPeer) fd(t *testing.T, format string, args ...any) int {
	t.Helper()
	got := p.Ask(t, format, args...)
	fd, err := strconv.Atoi(got)
	if err != nil {
		t.Fatalf("peer %s: %q answered %s, want an fd", p.Role, fmt.Sprintf(format, args...), got)
	}
	return fd
}

// requireBlocked fails unless the peer is silent and a thread of it
// sleeps in the kernel's wait for room at another socket (net/unix's
// unix_wait_for_peer, where a sender to a full datagram queue and a
// connect to a full backlog sleep, or its callers where a compiler
// inlined it): the call it was sent blocks.
func (p sockPeer) requireBlocked(t *testing.T, what string) {
	t.Helper()
	sys.RequireKernelWait(t, p.Pid, func() { p.RequireSilent(t, what) }, "unix_wait_for_peer", "unix_dgram_sendmsg", "unix_stream_connect")
}

// peerFile is the number a file of PeerSpec.Files has in the peer.
func peerFile(i int) int { return 3 + i }
