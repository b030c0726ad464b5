package sysvmsg

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// The "msg" peer runs message queue calls one command at a time and
// answers each with one line: "ok", a number, a message as "TYPE:TEXT",
// or the errno's name. Numbers may be written in any base Go's ParseInt
// reads with base 0 (0x800, 0o600).
func init() { proc.Register("msg", msgRole) }

func msgRole([]string) int {
	for {
		cmd := proc.AwaitCommand()
		arg, num := cmd.Arg, cmd.Num
		switch cmd[0] {
		case "snd": // snd ID TYPE TEXT FLAGS ("-" for an empty text)
			text := arg(3)
			if text == "-" {
				text = ""
			}
			proc.Tell(proc.Answer(Snd(num(1), num(2), []byte(text), num(4))))
		case "sndn": // sndn ID TYPE SIZE FLAGS: SIZE bytes of filler
			proc.Tell(proc.Answer(Snd(num(1), num(2), filler(num(3)), num(4))))
		case "sndseq": // sndseq ID TYPE:TEXT,TYPE:TEXT,... in that order
			proc.Tell(proc.Answer(sndSeq(num(1), arg(2))))
		case "rcv": // rcv ID SIZE MSGTYP FLAGS
			mtype, text, err := Rcv(num(1), num(2), num(3), num(4))
			proc.Tell(message(mtype, text, err))
		case "intr-rcv": // intr-rcv ID SIZE MSGTYP: see proc.Interrupted
			id, buf, msgtyp := num(1), make([]byte, HeaderLen+num(2)), num(3)
			proc.Tell(proc.Interrupted(func() error { _, err := RcvBufOnce(id, buf, msgtyp, 0); return err }))
		case "intr-snd": // intr-snd ID TYPE SIZE: see proc.Interrupted
			id, buf := num(1), make([]byte, HeaderLen+num(3))
			SetType(buf, num(2))
			proc.Tell(proc.Interrupted(func() error { return SndBufOnce(id, buf, 0) }))
		case "rcv-thread": // rcv-thread ID SIZE MSGTYP: see rcvOnThread
			proc.Tell(rcvOnThread(num(1), num(2), num(3)))
		case "get": // get KEY FLAGS
			proc.Tell(proc.Value(Get(num(1), num(2))))
		case "ftok": // ftok PATH ID
			proc.Tell(proc.Value(sysv.Ftok(arg(1), num(2))))
		case "stat": // stat ID: the mode's permission bits
			ds, err := Stat(num(1))
			if err != nil {
				proc.Tell(sys.ErrnoName(err))
				continue
			}
			proc.Tell(fmt.Sprintf("%#o", ds.Perm.Mode&0o777))
		case "statidx": // statidx INDEX CMD: MSG_STAT or MSG_STAT_ANY, the id
			id, _, err := StatIndex(num(1), num(2))
			proc.Tell(proc.Value(id, err))
		case "chmod": // chmod ID MODE: IPC_SET keeping owner and msg_qbytes
			ds, err := Stat(num(1))
			if err == nil {
				ds.Perm.Mode = uint32(num(2))
				err = Set(num(1), &ds)
			}
			proc.Tell(proc.Answer(err))
		case "rmid": // rmid ID
			proc.Tell(proc.Answer(Remove(num(1))))
		case "exit":
			return 0
		default:
			proc.Fatalf("unknown command %q", cmd)
		}
	}
}

// sndSeq sends the messages of spec ("3:a,1:b") in order, waiting for room.
func sndSeq(id int, spec string) error {
	for _, m := range strings.Split(spec, ",") {
		typ, text, ok := strings.Cut(m, ":")
		mtype, err := strconv.Atoi(typ)
		if !ok || err != nil {
			return fmt.Errorf("message %q: want TYPE:TEXT", m)
		}
		if err := Snd(id, mtype, []byte(text), 0); err != nil {
			return err
		}
	}
	return nil
}

// rcvOnThread receives on a locked thread other than the main thread
// (whose id is the pid), telling its id first (proc.TellThread), and
// answers with the message.
func rcvOnThread(id, size, msgtyp int) string {
	done := make(chan string)
	var run func()
	run = func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if unix.Gettid() == unix.Getpid() {
			// Hold the main thread while another goroutine, which
			// must then run on another thread, receives.
			inner := make(chan struct{})
			go func() { run(); close(inner) }()
			<-inner
			return
		}
		proc.TellThread()
		mtype, text, err := Rcv(id, size, msgtyp, 0)
		done <- message(mtype, text, err)
	}
	go run()
	return <-done
}

// msgPeer is the test's handle on a "msg" peer.
type msgPeer struct{ *proc.Peer }

func spawnMsg(t *testing.T, spec proc.PeerSpec) msgPeer {
	t.Helper()
	return msgPeer{proc.Spawn(t, "msg", spec)}
}

// start sends a command whose answer is expected later (a blocking call).
func (p msgPeer) start(t *testing.T, format string, args ...any) {
	t.Helper()
	p.Send(t, fmt.Sprintf(format, args...))
}

// requireBlocked fails unless the peer is silent and a thread of it sleeps
// in the kernel function wchan (rcvWait, sndWait): the call it was sent
// blocks.
func (p msgPeer) requireBlocked(t *testing.T, wchan, what string) {
	t.Helper()
	sys.RequireKernelWait(t, p.Pid, func() { p.RequireSilent(t, what) }, wchan)
}
