package sysv

import (
	"os/exec"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// StartC builds the C source src and starts it with args as a peer, for
// rules the Go runtime cannot show alone: a process made by fork(2)
// without exec (Go forks only to exec). It skips the test where there is
// no C compiler, as on the matrix's guests.
func StartC(t testing.TB, src string, args ...string) *proc.CPeer {
	t.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skipf("no C compiler to build %s, a peer the Go runtime cannot be: %v", src, err)
	}
	return proc.StartC(t, proc.BuildC(t, t.TempDir(), src), args...)
}
