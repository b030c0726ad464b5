package pipe

// The peers these tests use, and small helpers shared by the test files.

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/stream"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func init() {
	proc.Register("end", endRole)
	proc.Register("record-writer", stream.RecordWriter)
	proc.Register("sigpipe-writer", stream.SigpipeWriter)
}

// endRole holds one pipe end, PeerFD(0), and acts on it on command
// (Peer.Ask, Peer.Must), one answer line per command, errors rendered as
// proc.Answer does:
//
//	write TEXT  one write(2) of TEXT, one word       -> the count written | ERRNO
//	read N      one read(2) into N bytes, N above 0  -> the text read | EOF | ERRNO
//	drain N     read exactly N pattern bytes         -> ok | bad at I
//	close       close the end                        -> ok | ERRNO
//	exit        exit 0 (the kernel closes the end)
func endRole([]string) int {
	fd := proc.PeerFD(0)
	proc.Tell("ready")
	for {
		cmd := proc.AwaitCommand()
		switch {
		case cmd[0] == "write" && len(cmd) == 2:
			proc.Tell(proc.Value(sys.Write(fd, []byte(cmd[1]))))
		case cmd[0] == "read" && len(cmd) == 2:
			buf := make([]byte, cmd.Num(1))
			n, err := sys.Read(fd, buf)
			proc.Tell(proc.ReadAnswer(buf, n, err))
		case cmd[0] == "drain" && len(cmd) == 2:
			buf := make([]byte, cmd.Num(1))
			proc.Check(sys.ReadFull(fd, buf), "drain")
			if i := badPattern(buf); i >= 0 {
				proc.Tell("bad at " + strconv.Itoa(i))
			} else {
				proc.Tell("ok")
			}
		case cmd[0] == "close" && len(cmd) == 1:
			proc.Tell(proc.Answer(unix.Close(fd)))
		case cmd[0] == "exit" && len(cmd) == 1:
			return 0
		default:
			proc.Fatalf("end: unknown command %q", strings.Join(cmd, " "))
		}
	}
}

// pattern is n bytes whose value depends on the position, with a period
// (251) that is prime to the page size, so that a lost, repeated or moved
// page shows.
func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i % 251)
	}
	return p
}

func badPattern(p []byte) int {
	for i, b := range p {
		if b != byte(i%251) {
			return i
		}
	}
	return -1
}

// spawnEnd starts an "end" peer holding fd, handed off (the test keeps no
// copy) unless keep, and waits until it is ready.
func spawnEnd(t *testing.T, fd int, keep bool) *proc.Peer {
	t.Helper()
	p := proc.Spawn(t, "end", proc.PeerSpec{Files: []int{fd}, Handoff: !keep})
	p.Expect(t, "ready")
	return p
}

// readNow is one read(2) of up to n bytes that must not block; it returns
// the result and the bytes read.
func readNow(t *testing.T, fd, n int, what string) (sys.Result, []byte) {
	t.Helper()
	buf := make([]byte, n)
	res := sys.Returns(t, fmt.Sprintf("%s: read(%d bytes)", what, n), sys.IO(func() (int, error) { return sys.Read(fd, buf) }))
	return res, buf[:max(res.N, 0)]
}

// requireRead reads once without blocking and requires exactly want.
func requireRead(t *testing.T, fd, n int, want string) {
	t.Helper()
	res, got := readNow(t, fd, n, fmt.Sprintf("read of %q", want))
	if res.Err != nil || string(got) != want {
		t.Fatalf("read(%d bytes): got %s %q, want %d bytes %q", n, res, got, len(want), want)
	}
}

// requireEOF reads once without blocking and requires end of file.
func requireEOF(t *testing.T, fd int, what string) {
	t.Helper()
	if res, got := readNow(t, fd, 64, what); res != (sys.Result{}) {
		t.Fatalf("%s: read got %s %q, want 0 (end of file)", what, res, got)
	}
}

// nread is FIONREAD (x/sys/unix calls it TIOCINQ): the bytes in the pipe.
func nread(t *testing.T, fd int) int {
	t.Helper()
	n, err := sys.FIONREAD(fd)
	if err != nil {
		t.Fatalf("FIONREAD on fd %d: %s", fd, sys.ErrnoName(err))
	}
	return n
}

// pipeSize is F_GETPIPE_SZ.
func pipeSize(t *testing.T, fd int) int {
	t.Helper()
	n, err := unix.FcntlInt(uintptr(fd), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatalf("F_GETPIPE_SZ on fd %d: %s", fd, sys.ErrnoName(err))
	}
	return n
}

// fillNonblock writes pattern bytes in chunks into a non-blocking write end
// until EAGAIN and returns how many went in.
func fillNonblock(t *testing.T, w, chunk int) int {
	t.Helper()
	buf := pattern(chunk)
	total := 0
	for {
		n, err := sys.Write(w, buf)
		if err == unix.EAGAIN {
			return total
		}
		if err != nil {
			t.Fatalf("fill: write after %d bytes: %s", total, sys.ErrnoName(err))
		}
		total += n
	}
}

// writeAll writes p with one write(2) and requires all of it to go in.
func writeAll(t *testing.T, fd int, p []byte) {
	t.Helper()
	n, err := sys.Write(fd, p)
	if err != nil || n != len(p) {
		t.Fatalf("write(%d bytes) to fd %d: got %s, want %d bytes", len(p), fd, sys.Result{N: n, Err: err}, len(p))
	}
}

// writeSignalsBlocked is sys.Write on a thread that blocks every signal
// meanwhile. A signal handler cuts a blocked write short with the count
// written so far, and in the test process every signal has a handler: the
// Go runtime's, which preempts goroutines with SIGURG at any time (under
// gVisor blocked writes came back partial at random until SIGURG was
// blocked). Tests of how a blocked write ends use it, so that what ends
// the write is the pipe, not the runtime.
func writeSignalsBlocked(fd int, p []byte) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &all, &old); err != nil {
		return 0, err
	}
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	return sys.Write(fd, p)
}

func init() {
	proc.Register("find-pipe", findPipeRole)
	proc.Register("emfile", emfileRole)
}

// findPipeRole looks through its fds for the pipe whose inode is args[0],
// tells "found N", and writes "inherited" into the write end if it has one,
// telling what the write returned (proc.Value).
func findPipeRole(args []string) int {
	want := "pipe:[" + args[0] + "]"
	links, err := filepath.Glob("/proc/self/fd/*")
	proc.Check(err, "list /proc/self/fd")
	found, wfd := 0, -1
	for _, l := range links {
		if target, err := os.Readlink(l); err == nil && target == want {
			found++
			fd, _ := strconv.Atoi(filepath.Base(l))
			if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err == nil && fl&unix.O_ACCMODE == unix.O_WRONLY {
				wfd = fd
			}
		}
	}
	proc.Tell(fmt.Sprintf("found %d", found))
	if wfd >= 0 {
		proc.Tell(proc.Value(sys.Write(wfd, []byte("inherited"))))
	}
	return 0
}

// emfileRole fills its fd table under a low RLIMIT_NOFILE and reports what
// pipe2 does with no, one and two free slots.
func emfileRole([]string) int {
	var lim unix.Rlimit
	proc.Check(unix.Getrlimit(unix.RLIMIT_NOFILE, &lim), "getrlimit")
	lim.Cur = 64
	proc.Check(unix.Setrlimit(unix.RLIMIT_NOFILE, &lim), "setrlimit")
	var held []int
	for {
		fd, err := unix.Dup(0)
		if err == unix.EMFILE {
			break
		}
		proc.Check(err, "dup")
		held = append(held, fd)
	}
	pipe2 := func() string {
		var p [2]int
		err := unix.Pipe2(p[:], unix.O_CLOEXEC)
		if err == nil {
			unix.Close(p[0])
			unix.Close(p[1])
		}
		return proc.Answer(err)
	}
	var out []string
	out = append(out, "none-free="+pipe2())
	unix.Close(held[0])
	out = append(out, "one-free="+pipe2())
	// The failed pipe2 left the slot free: one dup fits, a second does not.
	fd, err := unix.Dup(0)
	proc.Check(err, "dup into the slot pipe2 left")
	_, err = unix.Dup(0)
	out = append(out, "then-dup="+proc.Answer(err))
	unix.Close(fd)
	unix.Close(held[1])
	// A bad address: both fds allocated, then given back.
	_, err = sys.Syscall(unix.SYS_PIPE2, 1, unix.O_CLOEXEC)
	out = append(out, "bad-address="+proc.Answer(err))
	out = append(out, "two-free="+pipe2())
	proc.Tell(strings.Join(out, " "))
	return 0
}

func init() { proc.Register("set-pipe-size", setPipeSizeRole) }

// setPipeSizeRole tries F_SETPIPE_SZ with args[0] on PeerFD(0) and tells
// the size it got or the errno's name (proc.Value).
func setPipeSizeRole(args []string) int {
	size, err := strconv.Atoi(args[0])
	proc.Check(err, "size")
	proc.Tell(proc.Value(unix.FcntlInt(uintptr(proc.PeerFD(0)), unix.F_SETPIPE_SZ, size)))
	return 0
}

func init() { proc.Register("sigio-owner", sigioOwnerRole) }

// envSigBlocked marks a sigio-owner that runs with its signal blocked on
// every thread.
const envSigBlocked = "IPCSUITE_PIPE_SIGIO_BLOCKED"

// sigioOwnerRole holds the read end PeerFD(0) with O_ASYNC and itself as
// its owner (F_SETOWN), in a process that blocks the signal on every
// thread (sys.ExecBlocked) and reads it from a signalfd. args[0] is
// the signal F_SETSIG chooses, 0 for the default (SIGIO). Commands, one
// answer line each:
//
//	await   the next signal within WakeBound -> signo N code N fd FD | none
//	quiet   a signal within BlockBound       -> the same
//
// where FD is "own" when si_fd is the O_ASYNC end, and the number
// otherwise.
func sigioOwnerRole(args []string) int {
	setsig, err := strconv.Atoi(args[0])
	proc.Check(err, "signal number")
	sig := unix.SIGIO
	if setsig != 0 {
		sig = unix.Signal(setsig)
	}
	proc.Check(sys.ExecBlocked(envSigBlocked, sig), "block the owner's signal")
	sigfd, err := sys.Signalfd(sig)
	proc.Check(err, "signalfd")
	fd := proc.PeerFD(0)
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETOWN, os.Getpid())
	proc.Check(err, "F_SETOWN")
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETSIG, setsig)
	proc.Check(err, "F_SETSIG")
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, unix.O_ASYNC|unix.O_NONBLOCK)
	proc.Check(err, "F_SETFL O_ASYNC")
	proc.Tell("ready")
	for {
		cmd := proc.AwaitCommand()
		wait := map[string]func() time.Duration{"await": sys.WakeBound, "quiet": sys.BlockBound}[cmd[0]]
		switch {
		case wait != nil && len(cmd) == 1:
			si, ok, err := sys.ReadSignal(sigfd, wait())
			proc.Check(err, "read signalfd")
			if !ok {
				proc.Tell("none")
				continue
			}
			sifd := strconv.Itoa(int(si.Fd))
			if int(si.Fd) == fd {
				sifd = "own"
			}
			proc.Tell(fmt.Sprintf("signo %d code %d fd %s", si.Signo, si.Code, sifd))
		case cmd[0] == "exit" && len(cmd) == 1:
			return 0
		default:
			proc.Fatalf("sigio-owner: unknown command %q", strings.Join(cmd, " "))
		}
	}
}

func init() { proc.Register("pipe-hog", pipeHogRole) }

// pipeHogRole makes pipes, keeping them all, at most args[0] of them,
// until one comes out smaller than the first, or, with args[1] "on",
// until pipe2 fails. It tells
//
//	shrunk N SIZE grow ERRNO   the Nth pipe (from 1) got SIZE bytes, and
//	                           F_SETPIPE_SZ back to the first one's size
//	                           then answered ERRNO (or ok)
//	none of N shrunk           all N got the first one's size
//	pipe2 N ERRNO after M shrunk
//	                           the Nth pipe2 failed, M pipes having come
//	                           out smaller than the first
func pipeHogRole(args []string) int {
	most, err := strconv.Atoi(args[0])
	proc.Check(err, "pipe count")
	goOn := len(args) > 1 && args[1] == "on"
	first, shrunk := 0, 0
	for i := 1; i <= most; i++ {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			proc.Tell(fmt.Sprintf("pipe2 %d %s after %d shrunk", i, sys.ErrnoName(err), shrunk))
			return 0
		}
		size, err := unix.FcntlInt(uintptr(p[0]), unix.F_GETPIPE_SZ, 0)
		proc.Check(err, "F_GETPIPE_SZ")
		if i == 1 {
			first = size
		}
		if size != first && goOn {
			shrunk++
		} else if size != first {
			_, err := unix.FcntlInt(uintptr(p[0]), unix.F_SETPIPE_SZ, first)
			proc.Tell(fmt.Sprintf("shrunk %d %d grow %s", i, size, proc.Answer(err)))
			return 0
		}
	}
	proc.Tell(fmt.Sprintf("none of %d shrunk", most))
	return 0
}

func init() { proc.Register("new-pipe-on-cue", newPipeOnCueRole) }

// newPipeOnCueRole waits for the line "pipe", then makes a pipe and tells
// "size N grow ANSWER": its F_GETPIPE_SZ and what F_SETPIPE_SZ to twice
// that answered. It keeps the pipe until the line "done".
func newPipeOnCueRole([]string) int {
	proc.AwaitLine("pipe")
	var p [2]int
	proc.Check(unix.Pipe2(p[:], unix.O_CLOEXEC), "pipe2")
	size, err := unix.FcntlInt(uintptr(p[0]), unix.F_GETPIPE_SZ, 0)
	proc.Check(err, "F_GETPIPE_SZ")
	_, err = unix.FcntlInt(uintptr(p[0]), unix.F_SETPIPE_SZ, 2*size)
	proc.Tell("size " + strconv.Itoa(size) + " grow " + proc.Answer(err))
	proc.AwaitLine("done")
	return 0
}
