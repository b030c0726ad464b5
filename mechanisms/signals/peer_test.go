package signals

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func init() {
	proc.Register("sig", sigRole)
	proc.Register("sig-echo", echoRole)
	proc.Register("sig-bell", func(args []string) int {
		runtime.LockOSThread()
		return bellRole(args)
	})
}

// envBlocked marks a "sig" peer that runs with its signals blocked.
const envBlocked = "IPCSUITE_SIGNALS_BLOCKED"

// blockArg is the "sig" peer's argument listing the signals every thread
// of it blocks and its signalfd reads: "block=10,34".
func blockArg(sigs ...unix.Signal) string {
	var s []string
	for _, sig := range sigs {
		s = append(s, strconv.Itoa(int(sig)))
	}
	return "block=" + strings.Join(s, ",")
}

// sigRole is a peer in which every thread blocks the signals of its
// argument (sys.ExecBlocked) and a signalfd reads them. It runs one
// command at a time, once it has said "ready", and answers each with one
// line. "lock" locks the command loop to its thread for good, for commands
// about that thread.
func sigRole(args []string) int {
	var sigs []unix.Signal
	for _, a := range args {
		if list, ok := strings.CutPrefix(a, "block="); ok && list != "" {
			for _, f := range strings.Split(list, ",") {
				n, err := strconv.Atoi(f)
				proc.Check(err, "signal number "+f)
				sigs = append(sigs, unix.Signal(n))
			}
		}
	}
	proc.Check(sys.ExecBlocked(envBlocked, sigs...), "block the signals")
	sfd, err := sys.Signalfd(sigs...)
	proc.Check(err, "signalfd")
	var spare chan chan string // requests to the spare thread
	var caught chan os.Signal  // signals caught by the runtime's handler
	proc.Tell("ready")
	for {
		cmd := proc.AwaitCommand()
		num := cmd.Num
		switch cmd[0] {
		case "read": // read: the next signal within WakeBound, or "none"
			proc.Tell(readSignal(sfd, sys.WakeBound()))
		case "none": // none: "none" unless a signal comes within BlockBound
			proc.Tell(readSignal(sfd, sys.BlockBound()))
		case "poll": // poll: the signalfd's revents, waiting up to WakeBound
			rev, err := sys.Revents(sfd, unix.POLLIN, int(sys.WakeBound()/time.Millisecond))
			proc.Tell(proc.Value(int(rev), err))
		case "pending": // pending: sigpending(2) as signal numbers
			set, err := Pending()
			proc.Check(err, "sigpending")
			proc.Tell(setString(&set))
		case "lock": // lock: lock the command loop to its thread; tell its id
			runtime.LockOSThread()
			proc.TellThread()
		case "spare": // spare: start a second locked thread; tell its id
			spare = make(chan chan string)
			go spareThread(sfd, spare)
			proc.Tell(<-spareAsk(spare))
		case "read-spare": // read-spare: "read" on the spare thread
			proc.Tell(<-spareAsk(spare))
		case "unblock": // unblock SIG: on this thread
			set := sys.SignalSet(unix.Signal(num(1)))
			proc.Tell(proc.Answer(unix.PthreadSigmask(unix.SIG_UNBLOCK, &set, nil)))
		case "block": // block SIG: on this thread; "blocked" or "not blocked" as the mask reads after
			set := sys.SignalSet(unix.Signal(num(1)))
			var now unix.Sigset_t
			proc.Check(unix.PthreadSigmask(unix.SIG_BLOCK, &set, nil), "sigprocmask")
			proc.Check(unix.PthreadSigmask(unix.SIG_BLOCK, nil, &now), "sigprocmask")
			if Has(&now, unix.Signal(num(1))) {
				proc.Tell("blocked")
			} else {
				proc.Tell("not blocked")
			}
		case "sigaction": // sigaction SIG dfl|ign|handler
			proc.Tell(proc.Answer(setAction(unix.Signal(num(1)), cmd.Arg(2))))
		case "setpgid": // setpgid PGID: join (0: lead) a process group
			proc.Tell(proc.Answer(unix.Setpgid(0, num(1))))
		case "kill": // kill PID SIG
			proc.Tell(proc.Answer(unix.Kill(num(1), unix.Signal(num(2)))))
		case "rlimit": // rlimit core|sigpending N: soft and hard
			res := map[string]int{"core": unix.RLIMIT_CORE, "sigpending": unix.RLIMIT_SIGPENDING}[cmd.Arg(1)]
			lim := &unix.Rlimit{Cur: uint64(num(2)), Max: uint64(num(2))}
			proc.Tell(proc.Answer(unix.Setrlimit(res, lim)))
		case "chdir": // chdir DIR
			proc.Tell(proc.Answer(os.Chdir(cmd.Arg(1))))
		case "notify": // notify SIG: catch SIG with the runtime's handler (signal.Notify)
			caught = make(chan os.Signal, 4)
			signal.Notify(caught, unix.Signal(num(1)))
			proc.Tell("ok")
		case "caught": // caught: the next caught signal within WakeBound, or "none"
			proc.Tell(awaitCaught(caught, sys.WakeBound()))
		case "norestart": // norestart SIG: take SA_RESTART off its handler
			proc.Tell(proc.Answer(sys.ClearRestart(unix.Signal(num(1)))))
		case "resethand": // resethand SIG: add SA_RESETHAND to its handler
			proc.Tell(proc.Answer(sys.AddFlags(unix.Signal(num(1)), sys.SaResetHand)))
		case "handler": // handler SIG: "dfl", "ign" or "handler"
			h, err := sys.SignalHandler(unix.Signal(num(1)))
			proc.Check(err, "rt_sigaction")
			proc.Tell(handlerName(h))
		case "intr-read": // intr-read: read(2) of the peer's first file, see interrupted
			fd, buf := proc.PeerFD(0), make([]byte, 16)
			proc.Tell(interrupted(caught, func() (int, error) { return unix.Read(fd, buf) }))
		case "intr-epoll": // intr-epoll: epoll_wait for the first file, see interrupted
			proc.Tell(interrupted(caught, epollWaiter(proc.PeerFD(0))))
		case "ping":
			proc.Tell("pong")
		case "exit":
			return 0
		default:
			proc.Fatalf("unknown command %q", cmd)
		}
	}
}

func handlerName(h uintptr) string {
	switch h {
	case sys.SigDfl:
		return "dfl"
	case sys.SigIgn:
		return "ign"
	}
	return "handler"
}

// awaitCaught renders the next signal caught through signal.Notify within
// d as "caught N", or "none".
func awaitCaught(caught chan os.Signal, d time.Duration) string {
	select {
	case sig := <-caught:
		return "caught " + strconv.Itoa(int(sig.(unix.Signal)))
	case <-time.After(d):
		return "none"
	}
}

// interrupted runs call, a blocking call made once (not retried on EINTR),
// on a locked thread whose id it tells first, for the test to aim a
// caught signal at it (see "notify"). It answers "EINTR after caught N",
// or, once the call returns, "returned N" and what was caught meanwhile
// ("after caught N" or "with none caught"). An EINTR with nothing caught
// is the Go runtime's preemption signal: the call is simply made again.
func interrupted(caught chan os.Signal, call func() (int, error)) string {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	proc.TellThread()
	for {
		n, err := call()
		if err == unix.EINTR {
			if got := awaitCaught(caught, sys.BlockBound()); got != "none" {
				return "EINTR after " + got
			}
			continue
		}
		if err != nil {
			return sys.ErrnoName(err)
		}
		if got := awaitCaught(caught, sys.BlockBound()); got != "none" {
			return "returned " + strconv.Itoa(n) + " after " + got
		}
		return "returned " + strconv.Itoa(n) + " with none caught"
	}
}

// epollWaiter returns a call that waits in epoll_wait for fd to be
// readable.
func epollWaiter(fd int) func() (int, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	proc.Check(err, "epoll_create1")
	proc.Check(unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}), "epoll_ctl")
	events := make([]unix.EpollEvent, 1)
	return func() (int, error) { return unix.EpollWait(ep, events, -1) }
}

// spareAsk asks the spare thread to read a signal and returns where its
// answer comes.
func spareAsk(spare chan chan string) chan string {
	if spare == nil {
		proc.Fatalf("no spare thread: send \"spare\" first")
	}
	answer := make(chan string, 1)
	spare <- answer
	return answer
}

// spareThread runs on a locked thread of its own: its first request gets
// the thread's id, every later one a signal read from that thread.
func spareThread(sfd int, requests chan chan string) {
	runtime.LockOSThread()
	(<-requests) <- "tid " + strconv.Itoa(unix.Gettid())
	for answer := range requests {
		answer <- readSignal(sfd, sys.WakeBound())
	}
}

// readSignal reads a signal from sfd within d, from the calling thread
// (a signalfd gives the reader its own thread's signals and its
// process's), and renders it as "signo N code N pid N uid N value N", or
// "none".
func readSignal(sfd int, d time.Duration) string {
	si, ok, err := sys.ReadSignal(sfd, d)
	proc.Check(err, "read signalfd")
	if !ok {
		return "none"
	}
	return record(int(si.Signo), int(si.Code), int(si.Pid), int(si.Uid), si.Ptr)
}

func record(signo, code, pid, uid int, value uint64) string {
	return fmt.Sprintf("signo %d code %d pid %d uid %d value %#x", signo, code, pid, uid, value)
}

// setString renders a set as its signal numbers, "10,34", or "none".
func setString(set *unix.Sigset_t) string {
	var s []string
	for sig := unix.Signal(1); sig <= 64; sig++ {
		if Has(set, sig) {
			s = append(s, strconv.Itoa(int(sig)))
		}
	}
	if s == nil {
		return "none"
	}
	return strings.Join(s, ",")
}

// setAction sets sig's disposition: "dfl", "ign", or "handler", the
// runtime's own handler (as it holds for SIGUSR1).
func setAction(sig unix.Signal, how string) error {
	switch how {
	case "dfl":
		return sys.SetHandler(sig, sys.SigDfl)
	case "ign":
		return sys.SetHandler(sig, sys.SigIgn)
	case "handler":
		h, err := sys.SignalHandler(unix.SIGUSR1)
		if err != nil {
			return err
		}
		return sys.SetHandler(sig, h)
	}
	return fmt.Errorf("disposition %q: want dfl, ign or handler", how)
}

// echoRole attaches to the transport, waits for "go", and echoes
// messages of the size in its argument until the test closes. It tells
// its doorbell counts after the first message and at the end.
func echoRole(args []string) int {
	size, err := strconv.Atoi(args[len(args)-1])
	proc.Check(err, "size")
	ep, err := attach(args[:len(args)-1])
	proc.Check(err, "attach")
	e := ep.(*Endpoint)
	proc.AwaitLine("go")
	runtime.LockOSThread()
	msg := make([]byte, size)
	for n := 0; ; n++ {
		if err := e.Recv(msg); err != nil {
			proc.Tell(stats(e))
			proc.AwaitLine("exit")
			return 0
		}
		proc.Check(e.Send(msg), "echo send")
		if n == 0 {
			proc.Tell(stats(e))
		}
	}
}

func stats(e *Endpoint) string {
	s := e.Stats()
	return fmt.Sprintf("%d %d %d", s.Rung, s.Taken, s.Found)
}
