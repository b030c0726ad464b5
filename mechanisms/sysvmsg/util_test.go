package sysvmsg

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// The kernel functions a thread blocked in msgrcv or msgsnd sleeps in
// (ipc/msg.c), as /proc/PID/task/TID/wchan names them on this kernel
// (found by experiment: both call schedule() directly).
const (
	rcvWait = "do_msgrcv"
	sndWait = "do_msgsnd"
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
		case "intr-rcv": // intr-rcv ID SIZE MSGTYP: see interrupted
			id, buf, msgtyp := num(1), make([]byte, HeaderLen+num(2)), num(3)
			proc.Tell(interrupted(func() error { _, err := RcvBufOnce(id, buf, msgtyp, 0); return err }))
		case "intr-snd": // intr-snd ID TYPE SIZE: see interrupted
			id, buf := num(1), make([]byte, HeaderLen+num(3))
			SetType(buf, num(2))
			proc.Tell(interrupted(func() error { return SndBufOnce(id, buf, 0) }))
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

// message renders a received message as "TYPE:TEXT", or the errno.
func message(mtype int, text []byte, err error) string {
	if err != nil {
		return sys.ErrnoName(err)
	}
	return strconv.Itoa(mtype) + ":" + string(text)
}

// filler is n bytes of a pattern that does not repeat every few bytes.
func filler(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	return p
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

// interrupted runs call, which blocks, without the EINTR retry on a thread
// of its own, catching SIGUSR1 (through signal.Notify, whose handler has
// SA_RESTART). It tells "tid N" first, for the test to direct SIGUSR1 at
// that thread, and answers with the errno. An EINTR that comes before any
// SIGUSR1 is the Go runtime's own preemption signal: the call is simply
// made again.
func interrupted(call func() error) string {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, unix.SIGUSR1)
	defer signal.Stop(usr1)
	proc.Tell("tid " + strconv.Itoa(unix.Gettid()))
	for {
		err := call()
		if err != unix.EINTR {
			return proc.Answer(err)
		}
		select {
		case <-usr1:
			return "EINTR after SIGUSR1"
		case <-time.After(sys.BlockBound()):
			// not ours
		}
	}
}

// rcvOnThread receives on a locked thread other than the main thread
// (whose id is the pid), telling "tid N" first, and answers with the
// message.
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
		proc.Tell("tid " + strconv.Itoa(unix.Gettid()))
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

// tid reads the "tid N" line of intr-rcv, intr-snd and rcv-thread.
func (p msgPeer) tid(t *testing.T) int {
	t.Helper()
	line := p.Next(t)
	tid, err := strconv.Atoi(strings.TrimPrefix(line, "tid "))
	if err != nil {
		t.Fatalf("peer said %q, want its thread id", line)
	}
	return tid
}

// requireBlocked fails unless the peer is silent and a thread of it sleeps
// in the kernel function wchan (rcvWait, sndWait): the call it was sent
// blocks.
func (p msgPeer) requireBlocked(t *testing.T, wchan, what string) {
	t.Helper()
	sys.RequireKernelWait(t, p.Pid, func() { p.RequireSilent(t, what) }, wchan)
}

// mkQueue makes a private queue with mode for the test, removed when the
// test ends unless the test removed it first.
func mkQueue(t *testing.T, mode int) int {
	t.Helper()
	return mkKeyedQueue(t, unix.IPC_PRIVATE, mode)
}

// mkKeyedQueue makes a queue for key with IPC_CREAT|IPC_EXCL|mode.
func mkKeyedQueue(t *testing.T, key, mode int) int {
	t.Helper()
	id, err := Get(key, unix.IPC_CREAT|unix.IPC_EXCL|mode)
	if err != nil {
		t.Fatalf("msgget(%#x, IPC_CREAT|IPC_EXCL|%#o): %s", key, mode, sys.ErrnoName(err))
	}
	removeAtEnd(t, id)
	return id
}

// removeAtEnd removes queue id when the test ends, if it still exists.
func removeAtEnd(t *testing.T, id int) {
	t.Cleanup(func() {
		if err := Remove(id); err != nil && err != unix.EINVAL {
			t.Errorf("remove message queue %d: %s", id, sys.ErrnoName(err))
		}
	})
}

func mustSnd(t *testing.T, id, mtype int, text string) {
	t.Helper()
	if err := Snd(id, mtype, []byte(text), IPC_NOWAIT); err != nil {
		t.Fatalf("msgsnd(%d, type %d, %q): %s", id, mtype, text, sys.ErrnoName(err))
	}
}

// rcv receives with IPC_NOWAIT added to flags and returns "TYPE:TEXT" or
// the errno's name.
func rcv(id, size, msgtyp, flags int) string {
	mtype, text, err := Rcv(id, size, msgtyp, flags|IPC_NOWAIT)
	return message(mtype, text, err)
}

func mustRcv(t *testing.T, id, size, msgtyp, flags int, want string) {
	t.Helper()
	if got := rcv(id, size, msgtyp, flags); got != want {
		t.Fatalf("msgrcv(%d, size %d, msgtyp %d, flags %#x): %s, want %s", id, size, msgtyp, flags, got, want)
	}
}

// drain receives with msgtyp and flags until ENOMSG and returns the
// messages as "TYPE:TEXT". Its buffer holds msgmax bytes, so every message
// is taken whole and none is cut short by MSG_NOERROR, whose accounting is
// a rule of its own.
func drain(t *testing.T, id, msgtyp, flags int) []string {
	t.Helper()
	size := readLimits(t).Max
	var got []string
	for range 1000 {
		m := rcv(id, size, msgtyp, flags)
		if m == "ENOMSG" {
			return got
		}
		if !strings.Contains(m, ":") {
			t.Fatalf("msgrcv(%d, msgtyp %d, flags %#x) after %q: %s", id, msgtyp, flags, got, m)
		}
		got = append(got, m)
	}
	t.Fatalf("msgrcv(%d, msgtyp %d) never ran out of messages", id, msgtyp)
	return nil
}

func stat(t *testing.T, id int) MsqidDS {
	t.Helper()
	ds, err := Stat(id)
	if err != nil {
		t.Fatalf("msgctl(%d, IPC_STAT): %s", id, sys.ErrnoName(err))
	}
	return ds
}

// requireQueued fails unless the queue holds qnum messages of cbytes bytes.
func requireQueued(t *testing.T, id int, qnum, cbytes uint64, why string) {
	t.Helper()
	ds := stat(t, id)
	if ds.Qnum != qnum || ds.Cbytes != cbytes {
		t.Fatalf("%s: msg_qnum %d, msg_cbytes %d; want %d and %d", why, ds.Qnum, ds.Cbytes, qnum, cbytes)
	}
}

// setQbytes sets msg_qbytes with IPC_SET, keeping owner and mode.
func setQbytes(t *testing.T, id int, qbytes uint64) error {
	t.Helper()
	ds := stat(t, id)
	ds.Qbytes = qbytes
	return Set(id, &ds)
}

func readLimits(t *testing.T) Limits {
	t.Helper()
	l, err := ReadLimits()
	if err != nil {
		t.Fatal(err)
	}
	return l
}
