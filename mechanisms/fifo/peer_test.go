package fifo

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/stream"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The "fifo" peer opens FIFOs by path and acts on its open fd one command at
// a time (Peer.Ask, Peer.Must), answering each with one line, errors
// rendered as proc.Answer does. Tests script one or several of them around
// a FIFO, so that every open is a real process's open by name.
//
//	open PATH FLAGS   open, keeping the fd; says "opening" first  -> ok | ERRNO
//	try PATH FLAGS    open and close at once                      -> ok | ERRNO
//	close             close the fd                                -> ok | ERRNO
//	write TEXT        one write(2) of TEXT, one word              -> the count written | ERRNO
//	read N            one read(2) into N bytes, N above 0         -> the text read | EOF | ERRNO
//	fill COUNT SIZE   COUNT writes of SIZE bytes, all whole       -> ok | write I: its count | write I: ERRNO
//	mknod PATH MODE DEV  mknod(2), numbers in any base ParseInt reads  -> ok | ERRNO
//	interrupted PATH FLAGS restart|norestart
//	                  a blocking open on a locked thread, SIGUSR1's handler
//	                  with or without SA_RESTART; tells its thread id first
//	                  (proc.Interrupted)             -> ok | EINTR after SIGUSR1 | ERRNO
//	ppid              its parent's pid
//	ids               its uid and gid, space-separated
//	exit              exit 0 without closing: the kernel closes the fd
//
// FLAGS is r, w or rw, with ,nb for O_NONBLOCK.
func init() { proc.Register("fifo", fifoRole) }

func fifoRole([]string) int {
	fd := -1
	for {
		cmd := proc.AwaitCommand()
		switch cmd[0] {
		case "open":
			proc.Tell("opening")
			nfd, err := openFIFO(cmd.Arg(1), openFlags(cmd.Arg(2)))
			if err == nil {
				if fd >= 0 {
					unix.Close(fd)
				}
				fd = nfd
			}
			proc.Tell(proc.Answer(err))
		case "try":
			nfd, err := openFIFO(cmd.Arg(1), openFlags(cmd.Arg(2)))
			if err == nil {
				unix.Close(nfd)
			}
			proc.Tell(proc.Answer(err))
		case "close":
			err := unix.Close(fd)
			fd = -1
			proc.Tell(proc.Answer(err))
		case "write":
			proc.Tell(proc.Value(sys.Write(fd, []byte(cmd.Arg(1)))))
		case "read":
			buf := make([]byte, cmd.Num(1))
			n, err := sys.Read(fd, buf)
			proc.Tell(proc.ReadAnswer(buf, n, err))
		case "fill":
			count, chunk := cmd.Num(1), make([]byte, cmd.Num(2))
			answer := "ok"
			for i := range count {
				if n, err := sys.Write(fd, chunk); err != nil || n != len(chunk) {
					answer = fmt.Sprintf("write %d: %s", i, proc.Value(n, err))
					break
				}
			}
			proc.Tell(answer)
		case "mknod":
			mode, err := strconv.ParseUint(cmd.Arg(2), 0, 32)
			proc.Check(err, "mknod mode")
			dev, err := strconv.ParseUint(cmd.Arg(3), 0, 64)
			proc.Check(err, "mknod dev")
			proc.Tell(proc.Answer(unix.Mknod(cmd.Arg(1), uint32(mode), int(dev))))
		case "interrupted":
			proc.Tell(interruptedOpen(cmd.Arg(1), openFlags(cmd.Arg(2)), cmd.Arg(3)))
		case "ppid":
			proc.Tell(strconv.Itoa(os.Getppid()))
		case "ids":
			proc.Tell(strconv.Itoa(os.Getuid()) + " " + strconv.Itoa(os.Getgid()))
		case "exit":
			return 0
		default:
			proc.Fatalf("unknown command %q", strings.Join(cmd, " "))
		}
	}
}

// interruptedOpen opens path with flags, once, through proc.Interrupted,
// after setting SIGUSR1's handler as the kernel holds it: the Go runtime
// installs every handler with SA_RESTART, so "norestart" takes the flag off
// with a raw rt_sigaction (sys.ClearRestart), and "restart" leaves it. The
// runtime's handler stays installed either way, so that the signal
// interrupts the open rather than killing the peer.
func interruptedOpen(path string, flags int, restart string) string {
	switch restart {
	case "restart":
	case "norestart":
		if !sys.SigactionKnown {
			proc.Fatalf("the kernel's struct sigaction is not written for this architecture")
		}
		proc.Check(sys.ClearRestart(unix.SIGUSR1), "clear SA_RESTART on SIGUSR1")
	default:
		proc.Fatalf("interrupted: want restart or norestart, not %q", restart)
	}
	fd := -1
	answer := proc.Interrupted(func() error {
		var err error
		fd, err = unix.Open(path, flags|unix.O_CLOEXEC, 0)
		return err
	})
	if fd >= 0 {
		unix.Close(fd)
	}
	return answer
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
	p.Expect(t, "ok")
}

// The shared stream pieces (helpers/stream), here opening the FIFO by
// path=P rather than getting an inherited fd.
func init() {
	proc.Register("record-writer", stream.RecordWriter)
	proc.Register("sigpipe-writer", stream.SigpipeWriter)
}
