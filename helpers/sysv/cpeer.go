package sysv

import (
	"bufio"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// A CPeer is a small C program run as a peer, for rules the Go runtime
// cannot show alone: a process made by fork(2) without exec (Go forks
// only to exec). The program says lines on stdout, which Next reads, and
// ends when its stdin closes (Release).
type CPeer struct {
	Pid   int
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	done  chan struct{}
	exit  error
}

// StartC builds the C source src with the system's cc (skipping the test
// where there is none, as on the matrix's guests) and starts it with
// args. It dies with the test process and is killed and reaped when the
// test ends.
func StartC(t testing.TB, src string, args ...string) *CPeer {
	t.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skipf("no C compiler to build %s, a peer the Go runtime cannot be: %v", src, err)
	}
	bin := table.BuildC(t, t.TempDir(), src)
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	p := &CPeer{Pid: cmd.Process.Pid, cmd: cmd, stdin: stdin, lines: make(chan string, 16), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		p.exit = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if s := stderr.String(); s != "" {
			t.Logf("%s stderr:\n%s", bin, s)
		}
	})
	return p
}

// Next returns the next line the program said, failing the test if it
// says none by the test's deadline.
func (p *CPeer) Next(t testing.TB) string {
	t.Helper()
	select {
	case line := <-p.lines:
		return line
	case <-p.done:
		select {
		case line := <-p.lines:
			return line
		default:
		}
		t.Fatalf("C peer %d ended (%v) before saying a line", p.Pid, p.exit)
	case <-time.After(time.Until(sys.Deadline(t))):
		t.Fatalf("C peer %d said nothing by the deadline", p.Pid)
	}
	return ""
}

// Expect fails unless the program's next line is want.
func (p *CPeer) Expect(t testing.TB, want string) {
	t.Helper()
	if got := p.Next(t); got != want {
		t.Fatalf("C peer %d said %q, want %q", p.Pid, got, want)
	}
}

// Release closes the program's stdin, which it takes as the end, and
// fails unless it then exits 0 within WakeBound.
func (p *CPeer) Release(t testing.TB) {
	t.Helper()
	p.stdin.Close()
	select {
	case <-p.done:
		if p.exit != nil {
			t.Fatalf("C peer %d: %v", p.Pid, p.exit)
		}
	case <-time.After(time.Until(sys.WakeLimit(t))):
		t.Fatalf("C peer %d still running %v after its stdin closed", p.Pid, sys.WakeBound())
	}
}

// Send writes line and a newline to the program's stdin.
func (p *CPeer) Send(t testing.TB, line string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		t.Fatalf("C peer %d: write %q: %v", p.Pid, line, err)
	}
}
