package fifo

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The "fifo" peer opens FIFOs by path and acts on its open fd one command at
// a time, answering each with one line. Tests script one or several of them
// around a FIFO, so that every open is a real process's open by name.
func init() { proc.Register("fifo", fifoRole) }

func fifoRole([]string) int {
	fd := -1
	for {
		cmd := strings.Fields(proc.Await())
		arg := func(i int) string {
			if i >= len(cmd) {
				proc.Fatalf("command %q: missing argument %d", cmd, i)
			}
			return cmd[i]
		}
		num := func(i int) int {
			n, err := strconv.Atoi(arg(i))
			proc.Check(err, "command "+cmd[0])
			return n
		}
		switch arg(0) {
		case "open": // open PATH FLAGS: keeps the fd; says "opening" first
			proc.Tell("opening")
			nfd, err := openFIFO(arg(1), openFlags(arg(2)))
			if err != nil {
				proc.Tell(sys.ErrnoName(err))
				continue
			}
			if fd >= 0 {
				unix.Close(fd)
			}
			fd = nfd
			proc.Tell("opened")
		case "try": // try PATH FLAGS: open and close at once
			nfd, err := openFIFO(arg(1), openFlags(arg(2)))
			if err != nil {
				proc.Tell(sys.ErrnoName(err))
				continue
			}
			unix.Close(nfd)
			proc.Tell("ok")
		case "close":
			proc.Check(unix.Close(fd), "close")
			fd = -1
			proc.Tell("closed")
		case "write": // write TEXT: one write(2)
			n, err := sys.Write(fd, []byte(arg(1)))
			proc.Tell(result(n, err, "wrote"))
		case "read": // read N: one read(2)
			buf := make([]byte, num(1))
			n, err := sys.Read(fd, buf)
			if err == nil && n > 0 {
				proc.Tell(string(buf[:n]))
				continue
			}
			proc.Tell(result(n, err, "read"))
		case "fill": // fill COUNT SIZE: COUNT writes of SIZE bytes, all whole
			count, chunk := num(1), make([]byte, num(2))
			answer := "filled"
			for i := range count {
				if n, err := sys.Write(fd, chunk); err != nil || n != len(chunk) {
					answer = fmt.Sprintf("write %d: %s", i, result(n, err, "wrote"))
					break
				}
			}
			proc.Tell(answer)
		case "ppid":
			proc.Tell(strconv.Itoa(os.Getppid()))
		case "ids":
			proc.Tell(strconv.Itoa(os.Getuid()) + " " + strconv.Itoa(os.Getgid()))
		case "exit": // exit without closing: the kernel closes the fd
			return 0
		default:
			proc.Fatalf("unknown command %q", cmd)
		}
	}
}

// result renders a read or write for Tell: "wrote 3", "read 0", "EPIPE".
func result(n int, err error, verb string) string {
	if err != nil {
		return sys.ErrnoName(err)
	}
	return verb + " " + strconv.Itoa(n)
}

// openFlags reads "r", "w" or "rw", with ",nb" for O_NONBLOCK.
func openFlags(s string) int {
	mode, nb := strings.CutSuffix(s, ",nb")
	flags, ok := map[string]int{"r": unix.O_RDONLY, "w": unix.O_WRONLY, "rw": unix.O_RDWR}[mode]
	if !ok {
		proc.Fatalf("open flags %q: want r, w or rw, with ,nb", s)
	}
	if nb {
		flags |= unix.O_NONBLOCK
	}
	return flags
}

// fifoPeer is the test's handle on a "fifo" peer.
type fifoPeer struct{ *proc.Peer }

func spawnPeer(t *testing.T, spec proc.PeerSpec) fifoPeer {
	t.Helper()
	return fifoPeer{proc.Spawn(t, "fifo", spec)}
}

// do sends one command and returns the peer's answer.
func (p fifoPeer) do(t *testing.T, cmd string) string {
	t.Helper()
	p.Send(t, cmd)
	return p.Next(t)
}

// must sends one command and fails unless the answer is want.
func (p fifoPeer) must(t *testing.T, cmd, want string) {
	t.Helper()
	if got := p.do(t, cmd); got != want {
		t.Fatalf("peer %d: %q answered %q, want %q", p.Pid, cmd, got, want)
	}
}

// startOpen has the peer start opening path; its answer comes later.
func (p fifoPeer) startOpen(t *testing.T, path, flags string) {
	t.Helper()
	p.Send(t, "open "+path+" "+flags)
	p.Expect(t, "opening")
}

// open has the peer open path and fails unless it succeeds.
func (p fifoPeer) open(t *testing.T, path, flags string) {
	t.Helper()
	p.startOpen(t, path, flags)
	p.Expect(t, "opened")
}
