package pipe

// A lowered /proc/sys/fs/pipe-max-size caps the size of every new pipe of
// a process without CAP_SYS_RESOURCE (since Linux 4.14, older than every
// kernel of the matrix). The knob is the
// whole machine's, so these tests run only where the kernel serves this
// run alone (sys.OwnMachine), and hold it lowered for as short a time as
// they can: the peer is running before the knob changes and is restored as
// soon as the one pipe has been made.

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// lowerPipeMaxSize sets pipe-max-size to one page until restore is called
// (or the test ends), skipping where the knob is absent or the machine
// is not the run's own.
func lowerPipeMaxSize(t *testing.T) (page int, restore func()) {
	t.Helper()
	sys.RequireSysctl(t, "fs/pipe-max-size")
	page = os.Getpagesize()
	return page, sys.SetMachineSysctl(t, "fs/pipe-max-size", strconv.Itoa(page))
}

// A kernel that capped only F_SETPIPE_SZ, not the default size of a new
// pipe, would answer 16 pages here.
func TestNewPipeOfAnUnprivilegedUserIsCappedByPipeMaxSize(t *testing.T) {
	// The peer waits for its cue before it makes the pipe: it is spawned
	// even where the test then skips, which keeps its role in use.
	p := proc.Spawn(t, "new-pipe-on-cue", proc.PeerSpec{Credential: sys.OtherUID(t)})
	page, restore := lowerPipeMaxSize(t)
	answer := p.Ask(t, "pipe")
	restore()
	// Growing it back is above the limit, so refused as well.
	if want := "size " + strconv.Itoa(page) + " grow EPERM"; answer != want {
		t.Fatalf("a new pipe of uid %d with pipe-max-size at one page: %q, want %q", sys.OtherUser, answer, want)
	}
	p.Send(t, "done")
	p.RequireExit(t, 0)
}

// The cap spares a process with CAP_SYS_RESOURCE: a kernel that capped
// every new pipe would answer one page here.
func TestNewPipeWithCapSysResourceIgnoresPipeMaxSize(t *testing.T) {
	sys.RequireCap(t, unix.CAP_SYS_RESOURCE, "CAP_SYS_RESOURCE", "the pipe is made by a process that has it")
	page, restore := lowerPipeMaxSize(t)
	r, _ := sys.Pipe(t, 0)
	restore()
	if got := pipeSize(t, r); got != 16*page {
		t.Fatalf("a new pipe of a process with CAP_SYS_RESOURCE with pipe-max-size at one page: %d bytes, want %d (16 pages)", got, 16*page)
	}
}
