package inet

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The "sock" peer makes and uses sockets one command at a time and answers
// each with one line: "ok", a number (an fd, a port, a count, an option's
// value), the text read, "EOF", or the errno's name. FD arguments are the
// peer's own fd numbers: those it answered, or the handed files it names
// in its first line, "ready FD...".
func init() { proc.Register("sock", sockRole) }

func sockRole(args []string) int {
	var handed []string
	files, err := strconv.Atoi(args[0])
	proc.Check(err, "sock: the number of handed files")
	for i := range files {
		handed = append(handed, strconv.Itoa(proc.PeerFD(i)))
	}
	proc.Tell(strings.TrimSpace("ready " + strings.Join(handed, " ")))
	for {
		cmd := proc.AwaitCommand()
		arg, num := cmd.Arg, cmd.Num
		switch cmd[0] {
		case "tcp", "udp": // tcp ADDR: a socket of the family that reaches ADDR
			typ := unix.SOCK_STREAM
			if cmd[0] == "udp" {
				typ = unix.SOCK_DGRAM
			}
			proc.Tell(proc.Value(socket(Family(arg(1)), typ)))
		case "bind": // bind FD ADDR PORT
			proc.Tell(proc.Answer(bind(num(1), arg(2), num(3))))
		case "listen": // listen FD BACKLOG
			proc.Tell(proc.Answer(unix.Listen(num(1), num(2))))
		case "port": // port FD: the local port
			proc.Tell(proc.Value(LocalPort(num(1))))
		case "connect": // connect FD ADDR PORT
			proc.Tell(proc.Answer(connect(num(1), arg(2), num(3))))
		case "accept": // accept FD: blocking
			proc.Tell(proc.Value(sys.RetryValue(func() (int, error) {
				fd, _, err := unix.Accept4(num(1), unix.SOCK_CLOEXEC)
				return fd, err
			})))
		case "serve": // serve FD ID: accept for ever, write ID to each, close
			go serve(num(1), arg(2))
			proc.Tell("ok")
		case "setopt": // setopt FD NAME VALUE
			proc.Tell(proc.Answer(setopt(num(1), arg(2), num(3))))
		case "getopt": // getopt FD NAME
			proc.Tell(proc.Value(getopt(num(1), arg(2))))
		case "write": // write FD TEXT: one write(2)
			proc.Tell(proc.Value(sys.Write(num(1), []byte(arg(2)))))
		case "send-nosignal": // send-nosignal FD TEXT: one send with MSG_NOSIGNAL
			proc.Tell(proc.Value(len(arg(2)), sys.Retry(func() error {
				return unix.Send(num(1), []byte(arg(2)), unix.MSG_NOSIGNAL)
			})))
		case "sendto": // sendto FD ADDR PORT TEXT: one datagram, unconnected
			proc.Tell(proc.Value(len(arg(4)), sendto(num(1), arg(2), num(3), arg(4))))
		case "send-size": // send-size FD N: one send(2) of N pattern bytes
			proc.Tell(proc.Value(sys.Write(num(1), pattern(num(2)))))
		case "read": // read FD N: one read(2) into N bytes
			buf := make([]byte, num(2))
			n, err := sys.Read(num(1), buf)
			proc.Tell(proc.ReadAnswer(buf, n, err))
		case "duplex": // duplex FD N: see duplex
			proc.Tell(duplex(num(1), num(2), 'B', 'A'))
		case "shutdown": // shutdown FD: SHUT_WR
			proc.Tell(proc.Answer(unix.Shutdown(num(1), unix.SHUT_WR)))
		case "close": // close FD
			proc.Tell(proc.Answer(unix.Close(num(1))))
		case "sigpipe-default": // SIGPIPE's action back to SIG_DFL
			if !sys.SigactionKnown {
				proc.Tell("unsupported")
				continue
			}
			proc.Tell(proc.Answer(sys.DefaultSignal(unix.SIGPIPE)))
		case "exit":
			return 0
		default:
			proc.Fatalf("sock: unknown command %q", cmd)
		}
	}
}

// serve accepts connections on listener fd for as long as the peer lives
// and writes id into each before closing it: the client learns which
// process took its connection.
func serve(fd int, id string) {
	for {
		conn, _, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		proc.Check(err, "serve: accept")
		proc.Check(sys.WriteFull(conn, []byte(id)), "serve: write")
		proc.Check(unix.Close(conn), "serve: close")
	}
}

// spawnSock starts a "sock" peer with fds handed over (the test keeps no
// copy) and returns it with the peer's numbers for them.
func spawnSock(t *testing.T, fds ...int) (*proc.Peer, []string) {
	t.Helper()
	p := proc.Spawn(t, "sock", proc.PeerSpec{Files: fds, Handoff: len(fds) > 0, Args: []string{strconv.Itoa(len(fds))}})
	ready := strings.Fields(p.Next(t))
	if len(ready) == 0 || ready[0] != "ready" || len(ready) != 1+len(fds) {
		t.Fatalf("peer said %q, want ready and %d fds", ready, len(fds))
	}
	return p, ready[1:]
}

// peerConnect has the peer make a TCP socket that reaches addr and connect
// it to port, and returns the peer's fd.
func peerConnect(t *testing.T, p *proc.Peer, addr string, port int) string {
	t.Helper()
	fd := p.Ask(t, "tcp %s", addr)
	p.Must(t, "ok", "connect %s %s %d", fd, addr, port)
	return fd
}
