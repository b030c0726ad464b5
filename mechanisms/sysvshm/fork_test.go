package sysvshm

import (
	"strconv"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// A child made by fork(2) inherits its parent's attaches (man 2 shmop):
// the same segment at the same address, counted in shm_nattch until the
// child ends. The child's write through the inherited address reaches the
// segment the test has attached; the count goes from parent, child and
// test to parent and test when the child exits, and to the test alone
// when the parent does. Go forks only to exec, so the parent is a small C
// program.
func TestForkedChildInheritsTheAttach(t *testing.T) {
	id := newSegment(t, pageSize, 0o600)
	_, mem := mustAttach(t, id, 0, pageSize)
	parent := sysv.StartC(t, "testdata/forkattach.c", strconv.Itoa(id))
	parent.Expect(t, "child wrote")
	if got := string(mem[:14]); got != "from-the-child" {
		t.Fatalf("the test read %q, want the forked child's write", got)
	}
	requireNattch(t, id, 3, "with the parent, its forked child and the test attached")
	parent.Send(t, "end")
	parent.Expect(t, "child ended")
	requireNattch(t, id, 2, "after the forked child ended")
	parent.Release(t)
	requireNattch(t, id, 1, "after the parent ended")
}
