package proc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The peer side: what a role calls to talk to the test that spawned it.

var ctl struct {
	once sync.Once
	in   *bufio.Reader
	out  int
}

func peerCtl() {
	ctl.once.Do(func() {
		in, err1 := strconv.Atoi(os.Getenv(envCtlIn))
		out, err2 := strconv.Atoi(os.Getenv(envCtlOut))
		if err := errors.Join(err1, err2); err != nil {
			Fatalf("not running as a peer: %v", err)
		}
		ctl.in = bufio.NewReader(os.NewFile(uintptr(in), "ctl-in"))
		ctl.out = out
	})
}

// Tell sends a line to the test (Peer.Expect, Peer.Next). Call it from a
// role only.
func Tell(line string) {
	peerCtl()
	if err := sys.WriteFull(ctl.out, []byte(line+"\n")); err != nil {
		Fatalf("tell %q: %s", line, sys.ErrnoName(err))
	}
}

// Await reads the next line the test sent with Peer.Send. If the test
// process goes away first, the peer exits.
func Await() string {
	peerCtl()
	line, err := ctl.in.ReadString('\n')
	if err != nil {
		Fatalf("await: %v", err)
	}
	return strings.TrimSuffix(line, "\n")
}

// AwaitLine reads the next line from the test and exits unless it is want.
func AwaitLine(want string) {
	if got := Await(); got != want {
		Fatalf("await: got %q, want %q", got, want)
	}
}

// PeerFD returns the raw fd of the i-th file in PeerSpec.Files.
func PeerFD(i int) int {
	n, _ := strconv.Atoi(os.Getenv(envNFiles))
	if i < 0 || i >= n {
		Fatalf("peer has %d files, not %d", n, i+1)
	}
	return 3 + i
}

// ParentPid is the pid of the test process that spawned this peer.
func ParentPid() int {
	pid, _ := strconv.Atoi(os.Getenv(envParent))
	return pid
}

// Fatalf ends a peer with exit code 3 after printing the reason on stderr,
// which the test logs.
func Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(3)
}

// Check ends a peer with Fatalf when err is not nil.
func Check(err error, what string) {
	if err != nil {
		Fatalf("%s: %s", what, sys.ErrnoName(err))
	}
}

// Answer renders a call's outcome in a peer as "ok", "EOF" for an end of
// stream (io.EOF, also wrapped), or the errno's name.
func Answer(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, io.EOF):
		return "EOF"
	}
	return sys.ErrnoName(err)
}

// ReadAnswer renders a read(2) into p in a peer: the bytes read as text,
// "EOF" for a read of 0 bytes, or the errno's name.
func ReadAnswer(p []byte, n int, err error) string {
	if err == nil && n == 0 {
		err = io.EOF
	}
	if err != nil {
		return Answer(err)
	}
	return string(p[:n])
}

// Value renders a call's result in a peer as the number or the errno's name.
func Value(n int, err error) string {
	if err != nil {
		return sys.ErrnoName(err)
	}
	return strconv.Itoa(n)
}

// A Command is one line from the test to a scripted peer, split into
// fields: the command's name and its arguments.
type Command []string

// AwaitCommand reads the next command line from the test (see Await).
func AwaitCommand() Command {
	cmd := Command(strings.Fields(Await()))
	if len(cmd) == 0 {
		Fatalf("empty command")
	}
	return cmd
}

// Arg returns argument i (the name is 0), ending the peer if it is missing.
func (c Command) Arg(i int) string {
	if i >= len(c) {
		Fatalf("command %q: missing argument %d", c, i)
	}
	return c[i]
}

// Num returns argument i as a number in any base strconv.ParseInt reads
// with base 0 (0x800, 0o600), ending the peer if it is not one.
func (c Command) Num(i int) int {
	n, err := strconv.ParseInt(c.Arg(i), 0, 64)
	Check(err, "command "+c[0])
	return int(n)
}

// TellThread tells the test the id of the calling thread, which
// Peer.Thread reads: for a signal aimed at that thread (tgkill), or an id
// the kernel records per thread. Lock the goroutine to its thread first.
func TellThread() { Tell("tid " + strconv.Itoa(unix.Gettid())) }

// Interrupted runs call, a blocking call that is not retried on EINTR, on
// a locked thread of its own that catches SIGUSR1 (through signal.Notify,
// whose handler has SA_RESTART, which the calls this is for ignore). It
// tells the thread's id first (TellThread), for the test to aim SIGUSR1 at
// it, and answers "EINTR after SIGUSR1", or the call's outcome as Answer
// renders it. An EINTR that comes before any SIGUSR1 is the Go runtime's
// own preemption signal: the call is then simply made again.
func Interrupted(call func() error) string {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, unix.SIGUSR1)
	defer signal.Stop(usr1)
	TellThread()
	for {
		err := call()
		if err != unix.EINTR {
			return Answer(err)
		}
		select {
		case <-usr1:
			return "EINTR after SIGUSR1"
		case <-time.After(sys.BlockBound()):
			// not ours
		}
	}
}
