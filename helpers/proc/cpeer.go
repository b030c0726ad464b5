package proc

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// BuildC compiles the C source src (with the headers beside it) with the
// system's cc at -O2 into dir and returns the program's path. It skips
// the test or benchmark, saying why, when no C compiler is installed.
func BuildC(t testing.TB, dir, src string) string {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no C compiler to build %s: %v", filepath.Base(src), err)
	}
	out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), ".c"))
	cmd := exec.Command(cc, "-O2", "-Wall", "-o", out, src, "-lrt")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, msg)
	}
	return out
}

// A CPeer is a C program (built with BuildC) run as a peer, for what the
// Go runtime cannot be: a process that forks without exec, a process whose
// signal handlers are its own, a reference to measure Go against. The
// program says lines on stdout, which Next reads, and reads lines from
// stdin, which Send writes.
type CPeer struct {
	Name string // the program's file name, for messages
	Pid  int

	stdin  io.WriteCloser
	lines  lineQueue
	stderr lockedBuffer
	done   chan struct{} // closed once it is reaped
	exit   Exit          // how it ended, once done
}

// StartC starts the program prog with args. It dies with the thread that
// starts it (Pdeathsig), which stays locked until the program is reaped;
// it is killed at the test's deadline and when the test ends, and its
// stderr then goes to t.Log.
func StartC(t testing.TB, prog string, args ...string) *CPeer {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), sys.Deadline(t))
	p := &CPeer{Name: filepath.Base(prog), done: make(chan struct{})}
	p.lines.more = make(chan struct{}, 1)
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = time.Second
	cmd.Stdout = &p.lines
	cmd.Stderr = &p.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		t.Fatalf("%s: %v", p.Name, err)
	}
	p.stdin = stdin
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(p.done)
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := cmd.Wait()
		p.exit = exitOf(cmd.ProcessState, err)
	}()
	if err := <-started; err != nil {
		cancel()
		t.Fatalf("start %s %s: %v", prog, strings.Join(args, " "), err)
	}
	p.Pid = cmd.Process.Pid
	t.Cleanup(func() {
		cancel() // kills it if it still runs
		<-p.done
		if s := p.stderr.String(); s != "" {
			t.Logf("%s (pid %d, %s) stderr:\n%s", p.Name, p.Pid, p.exit, s)
		}
	})
	return p
}

// Next returns the program's next line, failing the test if it says none
// by the test's deadline or ends first.
func (p *CPeer) Next(t testing.TB) string {
	t.Helper()
	return p.NextBy(t, sys.Deadline(t), "by the test's deadline")
}

// NextBy is Next with a limit of its own, which what names for the
// failure ("within 5s of SIGUSR1").
func (p *CPeer) NextBy(t testing.TB, limit time.Time, what string) string {
	t.Helper()
	timeout := time.NewTimer(time.Until(limit))
	defer timeout.Stop()
	for {
		if line, ok := p.lines.pop(); ok {
			return line
		}
		select {
		case <-p.lines.more:
		case <-p.done:
			if line, ok := p.lines.pop(); ok { // said just before it ended
				return line
			}
			t.Fatalf("%s (pid %d) ended (%s) before saying a line; stderr:\n%s", p.Name, p.Pid, p.exit, p.stderr.String())
		case <-timeout.C:
			t.Fatalf("%s (pid %d) said nothing %s", p.Name, p.Pid, what)
		}
	}
}

// Expect fails unless the program's next line is want.
func (p *CPeer) Expect(t testing.TB, want string) {
	t.Helper()
	if got := p.Next(t); got != want {
		t.Fatalf("%s (pid %d) said %q, want %q", p.Name, p.Pid, got, want)
	}
}

// Send writes line and a newline to the program's stdin.
func (p *CPeer) Send(t testing.TB, line string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		t.Fatalf("%s (pid %d): write %q: %v", p.Name, p.Pid, line, err)
	}
}

// RequireExit fails unless the program exits with code within WakeBound:
// it is called once the program has nothing left to do.
func (p *CPeer) RequireExit(t testing.TB, code int) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(time.Until(sys.WakeLimit(t))):
		t.Fatalf("%s (pid %d) still running %v after it should have ended", p.Name, p.Pid, sys.WakeBound())
	}
	if p.exit != (Exit{Code: code}) {
		t.Fatalf("%s (pid %d): %s, want exit code %d; stderr:\n%s", p.Name, p.Pid, p.exit, code, p.stderr.String())
	}
}

// Release closes the program's stdin, which it takes as the end, and
// fails unless it then exits 0 within WakeBound.
func (p *CPeer) Release(t testing.TB) {
	t.Helper()
	p.stdin.Close()
	p.RequireExit(t, 0)
}

// A lineQueue holds the complete lines written to it until they are
// popped: the writer never waits for the reader, however many lines a
// program says.
type lineQueue struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	more    chan struct{} // a token after each write that ends a line
}

func (q *lineQueue) Write(b []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.partial = append(q.partial, b...)
	for {
		i := bytes.IndexByte(q.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		q.lines = append(q.lines, string(q.partial[:i]))
		q.partial = q.partial[i+1:]
		select {
		case q.more <- struct{}{}:
		default:
		}
	}
}

func (q *lineQueue) pop() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.lines) == 0 {
		return "", false
	}
	line := q.lines[0]
	q.lines = q.lines[1:]
	return line, true
}
