package sysvmsg

import (
	"encoding/binary"
	"fmt"
	"os"
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
		case "unshare": // into a new IPC namespace, for the rest of the role
			proc.Tell(proc.Answer(sysv.UnshareIPC()))
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

// requireBlocked fails unless the peer is silent and a thread of it sleeps
// in the kernel function wchan (rcvWait, sndWait): the call it was sent
// blocks.
func (p msgPeer) requireBlocked(t *testing.T, wchan, what string) {
	t.Helper()
	sys.RequireKernelWait(t, p.Pid, func() { p.RequireSilent(t, what) }, wchan)
}

func init() {
	// msg-sender ID SENDER COUNT: says "ready", awaits "go", then sends
	// COUNT numbered messages, sleeping whenever the queue is full.
	proc.Register("msg-sender", func(args []string) int {
		a := proc.Command(args)
		id, sender, count := a.Num(0), a.Num(1), a.Num(2)
		buf := make([]byte, HeaderLen+8+57)
		proc.Tell("ready")
		proc.AwaitLine("go")
		for seq := range count {
			proc.Check(SndBuf(id, numbered(buf, sender, seq), 0), fmt.Sprintf("send message %d", seq))
		}
		return 0
	})
	// msg-receiver ID FILE: receives with msgtyp 0 until a message of
	// stopType, checking each message whole, and writes the (sender, seq)
	// of each, in the order received, to FILE.
	proc.Register("msg-receiver", func(args []string) int {
		id, path := proc.Command(args).Num(0), proc.Command(args).Arg(1)
		buf := make([]byte, HeaderLen+8+57)
		want := make([]byte, len(buf))
		var log []byte
		proc.Tell("ready")
		for {
			n, err := RcvBuf(id, buf, 0, 0)
			proc.Check(err, "receive")
			if TypeOf(buf) == stopType {
				proc.Check(os.WriteFile(path, log, 0o644), "write the log")
				return 0
			}
			if n < 8 {
				proc.Fatalf("message of %d bytes", n)
			}
			text := buf[HeaderLen : HeaderLen+n]
			sender, seq := int(binary.LittleEndian.Uint32(text)), int(binary.LittleEndian.Uint32(text[4:]))
			if w := numbered(want, sender, seq); string(w) != string(buf[:HeaderLen+n]) {
				proc.Fatalf("message %d of sender %d (type %d, %d bytes) arrived changed", seq, sender, TypeOf(buf), n)
			}
			log = append(log, text[:8]...)
		}
	})
}
