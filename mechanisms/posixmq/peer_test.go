package posixmq

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The "mq" peer runs message queue calls one command at a time and answers
// each with one line: "ok", a number (an fd), a message as "PRIO:TEXT", or
// the errno's name. Numbers may be written in any base Go's ParseInt reads
// with base 0 (0o600, 0x800).
func init() { proc.Register("mq", mqRole) }

func mqRole([]string) int {
	for {
		cmd := proc.AwaitCommand()
		arg, num := cmd.Arg, cmd.Num
		switch cmd[0] {
		case "open": // open NAME FLAGS MODE MAXMSG MSGSIZE (MAXMSG 0: no attr)
			var attr *Attr
			if num(4) != 0 {
				attr = &Attr{Maxmsg: int64(num(4)), Msgsize: int64(num(5))}
			}
			proc.Tell(proc.Value(Open(arg(1), num(2), uint32(num(3)), attr)))
		case "snd": // snd FD PRIO:TEXT,PRIO:TEXT,... in that order
			proc.Tell(proc.Answer(sndSeq(num(1), arg(2))))
		case "rcv": // rcv FD SIZE
			proc.Tell(rcv(num(1), num(2)))
		case "norestart": // norestart: SIGUSR1's handler without SA_RESTART
			proc.Tell(proc.Answer(sys.ClearRestart(unix.SIGUSR1)))
		case "intr-rcv": // intr-rcv FD SIZE: see proc.Interrupted
			fd, buf := num(1), make([]byte, num(2))
			proc.Tell(proc.Interrupted(func() error { return ReceiveOnce(fd, buf) }))
		case "intr-snd": // intr-snd FD TEXT: see proc.Interrupted
			fd, text := num(1), []byte(arg(2))
			proc.Tell(proc.Interrupted(func() error { return SendOnce(fd, text, 0) }))
		case "curmsgs": // curmsgs FD
			a, err := GetAttr(num(1))
			proc.Tell(proc.Value(int(a.Curmsgs), err))
		case "close": // close FD
			proc.Tell(proc.Answer(unix.Close(num(1))))
		case "unlink": // unlink NAME
			proc.Tell(proc.Answer(Unlink(arg(1))))
		case "exit":
			return 0
		default:
			proc.Fatalf("unknown command %q", cmd)
		}
	}
}

// sndSeq sends the messages of spec ("3:a,1:b") in order.
func sndSeq(fd int, spec string) error {
	for _, m := range strings.Split(spec, ",") {
		p, text, ok := strings.Cut(m, ":")
		prio, err := strconv.Atoi(p)
		if !ok || err != nil {
			return fmt.Errorf("message %q: want PRIO:TEXT", m)
		}
		if err := Send(fd, []byte(text), uint(prio)); err != nil {
			return err
		}
	}
	return nil
}

// rcv receives one message into a buffer of size bytes and renders it as
// "PRIO:TEXT", or the errno's name.
func rcv(fd, size int) string {
	buf := make([]byte, size)
	n, prio, err := Receive(fd, buf)
	if err != nil {
		return sys.ErrnoName(err)
	}
	return strconv.Itoa(int(prio)) + ":" + string(buf[:n])
}

// mqPeer is the test's handle on an "mq" peer.
type mqPeer struct{ *proc.Peer }

func spawnMq(t *testing.T, spec proc.PeerSpec) mqPeer {
	t.Helper()
	return mqPeer{proc.Spawn(t, "mq", spec)}
}

// open makes the peer open name and returns the peer's fd, closed when the
// peer exits.
func (p mqPeer) open(t *testing.T, name string, flags int) int {
	t.Helper()
	got := p.Ask(t, "open %s %#x 0o600 0 0", name, flags)
	fd, err := strconv.Atoi(got)
	if err != nil {
		t.Fatalf("peer's mq_open(%s, %#x): %s", name, flags, got)
	}
	return fd
}

// requireBlocked fails unless the peer is silent and a thread of it sleeps
// in the kernel's wait for a queue: the call it was sent blocks.
func (p mqPeer) requireBlocked(t *testing.T, what string) {
	t.Helper()
	sys.RequireKernelWait(t, p.Pid, func() { p.RequireSilent(t, what) }, mqWaits...)
}
