package signals

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// buildHandlers compiles testdata/handlers.c, the C program that hosts the
// handlers the Go runtime cannot (its own handler serves every signal it
// catches), skipping where there is no C compiler.
func buildHandlers(t *testing.T) string {
	t.Helper()
	return table.BuildC(t, proc.Dir(t), filepath.Join("testdata", "handlers.c"))
}

// A cPeer is the handlers program running one experiment, its stdout read
// line by line. It dies with the thread that started it (Pdeathsig), which
// stays locked until it is reaped, and is killed at the test's deadline and
// when the test ends.
type cPeer struct {
	pid    int
	lines  chan string
	done   chan struct{} // closed once it is reaped
	exit   string        // how it ended, once done
	ok     bool          // it exited with code 0
	stderr bytes.Buffer  // read once done
}

// startC starts prog with the experiment's name as its argument.
func startC(t *testing.T, prog, experiment string) *cPeer {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), sys.Deadline(t))
	p := &cPeer{lines: make(chan string, 8), done: make(chan struct{})}
	cmd := exec.CommandContext(ctx, prog, experiment)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = time.Second
	cmd.Stdout = &lineWriter{lines: p.lines}
	cmd.Stderr = &p.stderr
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
		cmd.Wait()
		p.exit, p.ok = cmd.ProcessState.String(), cmd.ProcessState.Success()
	}()
	if err := <-started; err != nil {
		cancel()
		t.Fatalf("%s %s: %v", prog, experiment, err)
	}
	p.pid = cmd.Process.Pid
	t.Cleanup(func() {
		cancel() // kills it if it still runs
		<-p.done
		if p.stderr.Len() > 0 {
			t.Logf("handlers program (pid %d, %s) stderr:\n%s", p.pid, p.exit, p.stderr.String())
		}
	})
	return p
}

// next returns the program's next line, failing the test if none comes by
// limit (which says what it is) or the program ends first.
func (p *cPeer) next(t *testing.T, limit time.Time, what string) string {
	t.Helper()
	select {
	case line := <-p.lines:
		return line
	case <-p.done:
		select {
		case line := <-p.lines: // written just before it ended
			return line
		default:
		}
		t.Fatalf("handlers program (pid %d) ended (%s) without a line", p.pid, p.exit)
	case <-time.After(time.Until(limit)):
		t.Fatalf("handlers program (pid %d) said nothing %s", p.pid, what)
	}
	return ""
}

// requireExit0 waits until limit for the program to end and fails unless
// it exited with code 0.
func (p *cPeer) requireExit0(t *testing.T, limit time.Time) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(time.Until(limit)):
		t.Fatalf("handlers program (pid %d) still running after its report", p.pid)
	}
	if !p.ok {
		t.Fatalf("handlers program (pid %d): %s, want exit status 0", p.pid, p.exit)
	}
}

// lineWriter passes on each complete line written to it. The channel holds
// more lines than any experiment prints.
type lineWriter struct {
	partial []byte
	lines   chan string
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.lines <- string(w.partial[:i])
		w.partial = w.partial[i+1:]
	}
}

// observe runs one experiment of prog and returns the line it reports.
// For an experiment that takes a signal, the test sends SIGUSR1 from its
// own process once the program says it is ready, and the report is a
// wake-up that comes within WakeBound.
func observe(t *testing.T, prog, experiment string, takesSignal bool) string {
	t.Helper()
	p := startC(t, prog, experiment)
	limit, what := sys.Deadline(t), "by the test's deadline"
	if takesSignal {
		if got := p.next(t, limit, what); got != "ready" {
			t.Fatalf("handlers program said %q, want ready", got)
		}
		mustKill(t, p.pid, unix.SIGUSR1)
		limit, what = sys.WakeLimit(t), fmt.Sprintf("within %v of SIGUSR1", sys.WakeBound())
	}
	report := p.next(t, limit, what)
	p.requireExit0(t, sys.WakeLimit(t))
	return report
}
