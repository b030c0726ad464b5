package proc

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// PeerSpec says how to start a peer process.
type PeerSpec struct {
	Args []string
	// Files are raw fds handed to the peer as fds 3, 4, ... (PeerFD(0),
	// PeerFD(1), ...).
	Files []int
	// Handoff closes the test's copies of Files once the peer has them, so
	// that the peer holds the only references (EOF and EPIPE then follow
	// the peer's life). Files must have been registered with Own.
	Handoff bool
	// Credential runs the peer as another user (root bypasses IPC
	// permission checks, so permission tests need one).
	Credential *syscall.Credential
	// CPU pins every thread of the peer to one CPU; -1 or unset leaves it
	// free. Use PinCPU to set it, since 0 is a CPU.
	CPU *int
	// Stdout receives the peer's fd 1 (default: discarded). A peer that
	// writes to fd 1 keeps the default SIGPIPE disposition there.
	Stdout *os.File
	// Env adds KEY=VALUE entries to the peer's environment.
	Env []string
}

// PinCPU returns a CPU number for PeerSpec.CPU.
func PinCPU(cpu int) *int { return &cpu }

// Exit is how a peer ended: by exit code, or killed by a signal.
type Exit struct {
	Code   int            // -1 when killed by a signal
	Signal syscall.Signal // 0 unless killed by a signal
	// CoreDumped is the wait status's core flag: set by the kernel only
	// when it wrote a core dump of the signal's process.
	CoreDumped bool
}

func (e Exit) String() string {
	if e.Signal != 0 && e.CoreDumped {
		return "killed by " + unix.SignalName(e.Signal) + " (core dumped)"
	}
	if e.Signal != 0 {
		return "killed by " + unix.SignalName(e.Signal)
	}
	return "exit code " + strconv.Itoa(e.Code)
}

// A Peer is a running copy of the test binary playing one role.
type Peer struct {
	Role string
	Pid  int

	cmd    *exec.Cmd
	ctlIn  int // the test writes lines the peer reads with Await
	ctlOut int // the peer writes lines with Tell that the test reads
	ctlBuf []byte
	stderr lockedBuffer
	done   chan struct{}
	exit   Exit
	// silent: RequireSilent showed the peer blocked, so its next line or
	// its exit is a wake-up the test is waiting for (WakeBound at most).
	silent bool
}

// Grace is how long a peer that outlived its deadline gets to print its
// goroutine dump (after SIGQUIT) before SIGKILL.
const grace = 2 * time.Second

// Spawn starts the test binary again as a peer playing role. The peer dies
// with the test process (Pdeathsig), is sent SIGQUIT and then SIGKILL if it
// outlives the test's deadline, and is killed and reaped when the test ends.
// Its stderr goes to t.Log.
func Spawn(t testing.TB, role string, spec PeerSpec) *Peer {
	t.Helper()
	markUsed(role)
	exe, err := executable(spec.Credential != nil)
	if err != nil {
		t.Fatalf("spawn %s: %v", role, err)
	}
	p := &Peer{Role: role, done: make(chan struct{})}

	// Control channel: two pipes, the peer's ends as the last two files.
	inR, inW := sys.Pipe(t, 0)
	outR, outW := sys.Pipe(t, 0)
	p.ctlIn, p.ctlOut = inW, outR
	files := append(append([]int{}, spec.Files...), inR, outW)

	cmd := exec.Command(exe, spec.Args...)
	cmd.Args[0] = exe + " [peer " + role + "]"
	cmd.Env = append(os.Environ(),
		envRole+"="+role,
		envNFiles+"="+strconv.Itoa(len(spec.Files)),
		envCtlIn+"="+strconv.Itoa(3+len(spec.Files)),
		envCtlOut+"="+strconv.Itoa(4+len(spec.Files)),
		envParent+"="+strconv.Itoa(os.Getpid()),
		envRunRoot+"="+runRoot(),
		// Under -race a peer would otherwise linger a second at exit.
		"GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE"),
	)
	cmd.Env = append(cmd.Env, spec.Env...)
	if spec.CPU != nil && *spec.CPU >= 0 {
		cmd.Env = append(cmd.Env, envCPU+"="+strconv.Itoa(*spec.CPU))
	}
	cmd.Stderr = &p.stderr
	if spec.Stdout != nil {
		cmd.Stdout = spec.Stdout
	}
	cmd.WaitDelay = time.Second
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Credential: spec.Credential}

	// ExtraFiles go through *os.File, whose finalizer would close the fd and
	// whose Fd() clears O_NONBLOCK on the shared file description: hand over
	// duplicates and put the status flags back afterwards.
	var restore []func()
	for _, fd := range files {
		dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
		if err != nil {
			t.Fatalf("spawn %s: dup fd %d: %s", role, fd, sys.ErrnoName(err))
		}
		flags, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		restore = append(restore, func() { unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags) })
		f := os.NewFile(uintptr(dup), "peer-fd")
		defer f.Close()
		cmd.ExtraFiles = append(cmd.ExtraFiles, f)
	}
	err = cmd.Start()
	for _, r := range restore {
		r()
	}
	if err != nil {
		t.Fatalf("spawn %s: %v", role, err)
	}
	// The peer has its ends of the control pipes now: closing ours makes
	// the peer see EOF when the test ends, and the test see EOF when the
	// peer dies.
	sys.Close(inR)
	sys.Close(outW)
	if spec.Handoff {
		for _, fd := range spec.Files {
			sys.Close(fd)
		}
	}
	p.cmd, p.Pid = cmd, cmd.Process.Pid

	go func() {
		err := cmd.Wait()
		p.exit = exitOf(cmd.ProcessState, err)
		close(p.done)
	}()
	go p.watchdog(sys.Deadline(t))
	t.Cleanup(func() {
		if !p.exited() {
			cmd.Process.Kill()
		}
		select {
		case <-p.done:
		case <-time.After(sys.Scale(10 * time.Second)):
			t.Errorf("peer %s (pid %d) could not be reaped", role, p.Pid)
		}
		if s := p.stderr.String(); s != "" {
			t.Logf("peer %s (pid %d, %s) stderr:\n%s", role, p.Pid, p.exit, s)
		}
	})
	return p
}

var exeCopy struct {
	sync.Once
	path string
	err  error
}

// executable returns the test binary to run as a peer. A peer of another
// uid gets a copy in the run's root, since go test builds the binary in a
// directory only its owner may enter.
func executable(forOthers bool) (string, error) {
	exe, err := os.Executable()
	if err != nil || !forOthers {
		return exe, err
	}
	exeCopy.Do(func() {
		data, err := os.ReadFile(exe)
		if err != nil {
			exeCopy.err = err
			return
		}
		path := filepath.Join(runRoot(), "peer.exe")
		exeCopy.err = os.WriteFile(path, data, 0o755)
		exeCopy.path = path
	})
	return exeCopy.path, exeCopy.err
}

func exitOf(ps *os.ProcessState, err error) Exit {
	if ps == nil {
		return Exit{Code: -1}
	}
	ws := ps.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return Exit{Code: -1, Signal: ws.Signal(), CoreDumped: ws.CoreDump()}
	}
	return Exit{Code: ws.ExitStatus()}
}

// watchdog sends SIGQUIT once the deadline passes, so that a stuck peer
// prints its goroutines, and SIGKILL after a grace period.
func (p *Peer) watchdog(deadline time.Time) {
	select {
	case <-p.done:
		return
	case <-time.After(time.Until(deadline)):
	}
	p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.cmd.Process.Kill()
	}
}

func (p *Peer) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Done is closed once the peer has exited and been reaped.
func (p *Peer) Done() <-chan struct{} { return p.done }

// Wait waits for the peer to end, within the test's deadline, or within
// WakeBound if RequireSilent showed it blocked since it last said a line.
func (p *Peer) Wait(t testing.TB) Exit {
	t.Helper()
	select {
	case <-p.done:
		p.silent = false
		return p.exit
	case <-time.After(time.Until(p.limit(t))):
		t.Fatalf("peer %s (pid %d) still running %s", p.Role, p.Pid, p.late())
		return Exit{}
	}
}

// limit is when a wait for the peer's next line or exit gives up.
func (p *Peer) limit(t testing.TB) time.Time {
	if p.silent {
		return sys.WakeLimit(t)
	}
	return sys.Deadline(t)
}

// late says which limit a wait for the peer passed.
func (p *Peer) late() string {
	if p.silent {
		return fmt.Sprintf("%v after it was shown blocked and should have been woken", sys.WakeBound())
	}
	return "at the deadline"
}

// RequireExit waits for the peer and fails unless it exited with code.
func (p *Peer) RequireExit(t testing.TB, code int) {
	t.Helper()
	if got := p.Wait(t); got != (Exit{Code: code}) {
		t.Fatalf("peer %s: %s, want exit code %d; stderr:\n%s", p.Role, got, code, p.stderr.String())
	}
}

// RequireSignal waits for the peer and fails unless sig killed it.
func (p *Peer) RequireSignal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if got := p.Wait(t); got.Signal != sig {
		t.Fatalf("peer %s: %s, want killed by %s; stderr:\n%s", p.Role, got, unix.SignalName(sig), p.stderr.String())
	}
}

// Kill sends SIGKILL to the peer.
func (p *Peer) Kill() { p.cmd.Process.Kill() }

// Stderr returns what the peer wrote to stderr so far.
func (p *Peer) Stderr() string { return p.stderr.String() }

// Send writes one line to the peer, which reads it with Await.
func (p *Peer) Send(t testing.TB, line string) {
	t.Helper()
	if err := sys.WriteFull(p.ctlIn, []byte(line+"\n")); err != nil {
		t.Fatalf("tell peer %s %q: %s", p.Role, line, sys.ErrnoName(err))
	}
}

// Expect reads the next line the peer sent with Tell, within the test's
// deadline, and fails unless it is want.
func (p *Peer) Expect(t testing.TB, want string) {
	t.Helper()
	if got := p.Next(t); got != want {
		t.Fatalf("peer %s said %q, want %q", p.Role, got, want)
	}
}

// Next returns the next line the peer sent with Tell, within the test's
// deadline, or within WakeBound if RequireSilent showed the peer blocked
// since its last line. A peer that exits first fails the test with its exit
// status.
func (p *Peer) Next(t testing.TB) string {
	t.Helper()
	line, ok := p.NextWithin(t, time.Until(p.limit(t)))
	if !ok {
		t.Fatalf("peer %s said nothing %s", p.Role, p.late())
	}
	return line
}

// NextWithin is Next with a bound of its own: the next line the peer sent,
// or ok false if it says nothing within d (nor before the test's deadline),
// for a caller that fails with a reason of its own.
func (p *Peer) NextWithin(t testing.TB, d time.Duration) (line string, ok bool) {
	t.Helper()
	until := sys.Deadline(t)
	if bound := time.Now().Add(d); bound.Before(until) {
		until = bound
	}
	for {
		if i := bytes.IndexByte(p.ctlBuf, '\n'); i >= 0 {
			line := string(p.ctlBuf[:i])
			p.ctlBuf = p.ctlBuf[i+1:]
			p.silent = false
			return line, true
		}
		left := time.Until(until)
		rev, err := sys.Revents(p.ctlOut, unix.POLLIN, int(max(left, 0)/time.Millisecond))
		if err != nil {
			t.Fatalf("poll peer %s: %s", p.Role, sys.ErrnoName(err))
		}
		if rev == 0 {
			return "", false
		}
		buf := make([]byte, 512)
		n, err := sys.Read(p.ctlOut, buf)
		if err != nil {
			t.Fatalf("read from peer %s: %s", p.Role, sys.ErrnoName(err))
		}
		if n == 0 {
			<-p.done // EOF: the peer is gone or going; report how it ended
			t.Fatalf("peer %s ended (%s) before saying a line; stderr:\n%s", p.Role, p.exit, p.stderr.String())
		}
		p.ctlBuf = append(p.ctlBuf, buf[:n]...)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// RequireSilent fails the test if the peer says a line or exits within
// BlockBound: the way to show that a call inside the peer blocks. The
// peer's next line or exit is then a wake-up: Next and Wait wait WakeBound
// for it.
func (p *Peer) RequireSilent(t testing.TB, what string) {
	t.Helper()
	if len(p.ctlBuf) > 0 {
		t.Fatalf("%s: peer %s already said %q; want it blocked", what, p.Role, p.ctlBuf)
	}
	rev, err := sys.Revents(p.ctlOut, unix.POLLIN, int(sys.BlockBound()/time.Millisecond))
	if err != nil {
		t.Fatalf("poll peer %s: %s", p.Role, sys.ErrnoName(err))
	}
	if rev != 0 {
		t.Fatalf("%s: peer %s went on (said %q) within %v; want it blocked", what, p.Role, p.Next(t), sys.BlockBound())
	}
	p.silent = true
}

// Start sends the peer one command line whose answer comes later: a call
// that blocks, to be shown blocked (RequireSilent) before it is released.
func (p *Peer) Start(t testing.TB, format string, args ...any) {
	t.Helper()
	p.Send(t, fmt.Sprintf(format, args...))
}

// Ask sends the peer one command line and returns its one-line answer: the
// shape of the scripted peers that act on a test's commands.
func (p *Peer) Ask(t testing.TB, format string, args ...any) string {
	t.Helper()
	p.Send(t, fmt.Sprintf(format, args...))
	return p.Next(t)
}

// Must is Ask that fails the test unless the answer is want.
func (p *Peer) Must(t testing.TB, want, format string, args ...any) {
	t.Helper()
	cmd := fmt.Sprintf(format, args...)
	if got := p.Ask(t, "%s", cmd); got != want {
		t.Fatalf("peer %s (pid %d): %q answered %q, want %q", p.Role, p.Pid, cmd, got, want)
	}
}

// Thread reads the thread id the peer told with TellThread.
func (p *Peer) Thread(t testing.TB) int {
	t.Helper()
	line := p.Next(t)
	tid, err := strconv.Atoi(strings.TrimPrefix(line, "tid "))
	if err != nil || !strings.HasPrefix(line, "tid ") {
		t.Fatalf("peer %s said %q, want its thread id", p.Role, line)
	}
	return tid
}

// RequireThreadEnds waits, within WakeBound, for thread tid of process pid
// to be gone from /proc, failing the test if it is not.
func RequireThreadEnds(t testing.TB, pid, tid int) {
	t.Helper()
	path := "/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(tid)
	limit := sys.WakeLimit(t)
	for {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return
		}
		if time.Now().After(limit) {
			t.Fatalf("thread %d of process %d still exists %v after it should have ended", tid, pid, sys.WakeBound())
		}
		time.Sleep(time.Millisecond)
	}
}
