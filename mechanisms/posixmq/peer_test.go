package posixmq

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The "mq" peer runs message queue calls one command at a time and answers
// each with one line: "ok", a number (an fd), a message as "PRIO:TEXT", or
// the errno's name. Numbers may be written in any base Go's ParseInt reads
// with base 0 (0o600, 0x800).
func init() {
	proc.Register("mq", mqRole)
	proc.Register("mq-notified", notifiedRole)
	proc.Register("mq-ipcns", ipcnsRole)
}

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
		case "notify": // notify FD SIGNO VALUE: register for SIGEV_SIGNAL
			ev := &Sigevent{Notify: SigevSignal, Signo: int32(num(2)), Value: uint64(num(3))}
			proc.Tell(proc.Answer(Notify(num(1), ev)))
		case "notify-none": // notify-none FD SIGNO: register for SIGEV_NONE
			proc.Tell(proc.Answer(Notify(num(1), &Sigevent{Notify: SigevNone, Signo: int32(num(2))})))
		case "unnotify": // unnotify FD: mq_notify with no sigevent
			proc.Tell(proc.Answer(Notify(num(1), nil)))
		case "sig": // sig: the next notification signal, within WakeBound
			proc.Tell(awaitSignal(sys.WakeBound()))
		case "nosig": // nosig: "none" if no signal comes within BlockBound
			proc.Tell(awaitSignal(sys.BlockBound()))
		case "limit": // limit NAME VALUE: write /proc/sys/fs/mqueue/NAME
			proc.Tell(proc.Answer(os.WriteFile("/proc/sys/fs/mqueue/"+arg(1), []byte(arg(2)), 0)))
		case "cap": // cap N on|off: capability N in the effective set
			proc.Tell(proc.Answer(setEffective(num(1), arg(2) == "on")))
		case "rlimit": // rlimit BYTES: RLIMIT_MSGQUEUE, soft and hard
			lim := &unix.Rlimit{Cur: uint64(num(1)), Max: uint64(num(1))}
			proc.Tell(proc.Answer(unix.Setrlimit(unix.RLIMIT_MSGQUEUE, lim)))
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

// ipcnsRole is the "mq" role in an IPC namespace of its own, so that the
// limits it sets there bind no other process. A thread's namespaces and
// capabilities are its own, so the role unshares on a locked thread and
// makes every call from it: the command loop runs on that thread.
func ipcnsRole(args []string) int {
	runtime.LockOSThread() // for good: the thread dies with the role
	proc.Check(unix.Unshare(unix.CLONE_NEWIPC), "unshare(CLONE_NEWIPC)")
	return mqRole(args)
}

// setEffective puts capability c in the calling thread's effective set, or
// takes it out; putting it in fails with EPERM unless it is permitted.
func setEffective(c int, on bool) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	if on {
		data[c/32].Effective |= 1 << (c % 32)
	} else {
		data[c/32].Effective &^= 1 << (c % 32)
	}
	return unix.Capset(&hdr, &data[0])
}

// notifySignal is the signal the notification tests register for: a
// real-time one, so that two notifications would queue as two signals
// instead of merging into one.
const notifySignal = unix.Signal(40)

// envSigBlocked marks a notified peer that runs with notifySignal blocked.
const envSigBlocked = "IPCSUITE_MQ_NOTIFY_BLOCKED"

// sigfd is the notified peer's signalfd for notifySignal (-1 elsewhere).
var sigfd = -1

// notifiedRole is the "mq" role in a process where every thread blocks
// notifySignal (sys.ExecBlocked), so that the signal mq_notify sends to the
// process stays pending, with the kernel's siginfo, for the role's signalfd
// to read. Registering must come after the exec, since the kernel sends
// nothing to a process that has executed a program since it registered.
func notifiedRole(args []string) int {
	proc.Check(sys.ExecBlocked(envSigBlocked, notifySignal), "block the notification signal")
	fd, err := sys.Signalfd(notifySignal)
	proc.Check(err, "signalfd")
	sigfd = fd
	return mqRole(args)
}

// awaitSignal reads the next signal from sigfd within d and renders it as
// "signo N code N pid N uid N int N ptr 0xN", or "none".
func awaitSignal(d time.Duration) string {
	if sigfd < 0 {
		proc.Fatalf("no signalfd: only the mq-notified role reads signals")
	}
	si, ok, err := sys.ReadSignal(sigfd, d)
	proc.Check(err, "read signalfd")
	if !ok {
		return "none"
	}
	return fmt.Sprintf("signo %d code %d pid %d uid %d int %d ptr %#x", si.Signo, si.Code, si.Pid, si.Uid, si.Int, si.Ptr)
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
