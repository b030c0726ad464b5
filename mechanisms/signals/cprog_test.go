package signals

import (
	"fmt"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// buildHandlers compiles testdata/handlers.c, the C program that hosts the
// handlers the Go runtime cannot (its own handler serves every signal it
// catches), skipping where there is no C compiler.
func buildHandlers(t *testing.T) string {
	t.Helper()
	return proc.BuildC(t, proc.Dir(t), filepath.Join("testdata", "handlers.c"))
}

// observe runs one experiment of prog and returns the line it reports.
// For an experiment that takes a signal, the test sends SIGUSR1 from its
// own process once the program says it is ready, and the report is a
// wake-up that comes within WakeBound.
func observe(t *testing.T, prog, experiment string, takesSignal bool) string {
	t.Helper()
	p := proc.StartC(t, prog, experiment)
	var report string
	if takesSignal {
		p.Expect(t, "ready")
		mustKill(t, p.Pid, unix.SIGUSR1)
		report = p.NextBy(t, sys.WakeLimit(t), fmt.Sprintf("within %v of SIGUSR1", sys.WakeBound()))
	} else {
		report = p.Next(t)
	}
	p.RequireExit(t, 0)
	return report
}
