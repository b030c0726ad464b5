package pipe

// The per-user limits on pipe pages (/proc/sys/fs/pipe-user-pages-soft and
// -hard): past the soft one an unprivileged user's new pipes get the
// minimum size, past the hard one none.

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// privateUID is a uid that no other process of the machine runs as, so
// that the pages its pipes count are the peer's alone: the limit is per
// user, and a shared uid (nobody) would count, and disturb, other
// processes' pipes.
func privateUID() uint32 { return 0x3ff00000 + uint32(os.Getpid()%0x10000) }

// Past pipe-user-pages-soft, an unprivileged user's next pipe gets the
// minimum size instead of the default, and may not grow back. The limit is
// left as it is: lowering it, or setting pipe-user-pages-hard, would
// change the pipes of every unprivileged process on the machine. So the
// peer, of a uid of its own and without CAP_SYS_RESOURCE, makes default
// pipes until the soft limit is passed.
func TestPipesPastTheUserSoftLimitGetTheMinimumSize(t *testing.T) {
	sys.RequireCap(t, unix.CAP_SETUID, "CAP_SETUID", "the peer runs as a uid of its own")
	soft := sys.RequireSysctl(t, "fs/pipe-user-pages-soft")
	if soft == 0 {
		t.Skipf("pipe-user-pages-soft is 0: no soft limit")
	}
	page := os.Getpagesize()
	r, _ := sys.Pipe(t, 0)
	defaultPages := pipeSize(t, r) / page
	// The pipe that takes the user past the limit is the first one shrunk.
	want := soft/defaultPages + 1
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("getrlimit: %s", sys.ErrnoName(err))
	}
	if need := uint64(2*want + 64); lim.Cur < need {
		t.Skipf("RLIMIT_NOFILE %d is below the %d fds the peer needs to pass a soft limit of %d pages", lim.Cur, need, soft)
	}
	minPages := minimumPipePages(t)
	uid := privateUID()
	p := proc.Spawn(t, "pipe-hog", proc.PeerSpec{Credential: &syscall.Credential{Uid: uid, Gid: uid}, Args: []string{strconv.Itoa(want + 1)}})
	// Growing back past the limit is refused with EPERM as well.
	p.Expect(t, fmt.Sprintf("shrunk %d %d grow EPERM", want, minPages*page))
	p.RequireExit(t, 0)
}

// minimumPipePages is the size, in pages, of a pipe made past the soft
// limit (PIPE_MIN_DEF_BUFFERS): one page until Linux 5.14 made it two,
// which the stable updates 5.4.140, 5.10.58 and 5.13.10 took over too. It
// skips on other kernels older than 5.14, whose stable updates it does
// not know, and on 5.4, 5.10 and 5.13 kernels whose sublevel uname does
// not name.
func minimumPipePages(t *testing.T) int {
	t.Helper()
	v, ok := sys.KernelVersion()
	if v[0] > 5 || v[0] == 5 && v[1] >= 14 {
		return 2
	}
	fixed, known := map[[2]int]int{{5, 4}: 140, {5, 10}: 58, {5, 13}: 10}[[2]int{v[0], v[1]}]
	switch {
	case !known:
		t.Skipf("Linux %d.%d: whether its stable updates made the minimum pipe two pages is not known here", v[0], v[1])
	case !ok:
		t.Skipf("Linux %d.%d: the minimum pipe size depends on the stable update (%d.%d.%d), which uname does not name", v[0], v[1], v[0], v[1], fixed)
	case v[2] >= fixed:
		return 2
	}
	return 1
}

// Past pipe-user-pages-hard an unprivileged user's pipe2 fails with ENFILE
// (man 2 pipe; growing a pipe there is EPERM instead, as past the soft
// limit). The limit is off by default (0), and setting it limits every
// unprivileged process of the machine, so the test sets it only where the
// kernel serves this run alone, a few default pipes past the soft limit,
// and otherwise runs only where the machine's own setting has it on.
func TestPipesPastTheUserHardLimitAreRefusedENFILE(t *testing.T) {
	sys.RequireCap(t, unix.CAP_SETUID, "CAP_SETUID", "the peer runs as a uid of its own")
	hard := sys.RequireSysctl(t, "fs/pipe-user-pages-hard")
	soft := sys.RequireSysctl(t, "fs/pipe-user-pages-soft")
	page := os.Getpagesize()
	r, _ := sys.Pipe(t, 0)
	defaultPages, minPages := pipeSize(t, r)/page, minimumPipePages(t)
	if hard == 0 {
		hard = soft + 4*defaultPages
		sys.SetMachineSysctl(t, "fs/pipe-user-pages-hard", strconv.Itoa(hard))
	}
	// The kernel's accounting: each pipe adds its pages; past the soft
	// limit it is made with the minimum instead; past the hard one it is
	// refused, and then it counts neither as made nor as shrunk.
	pages, shrunk, refused := 0, 0, 0
	for i := 1; refused == 0; i++ {
		pages += defaultPages
		small := soft != 0 && pages > soft
		if small {
			pages += minPages - defaultPages
		}
		switch {
		case pages > hard:
			refused = i
		case small:
			shrunk++
		}
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("getrlimit: %s", sys.ErrnoName(err))
	}
	if need := uint64(2*refused + 64); lim.Cur < need {
		t.Skipf("RLIMIT_NOFILE %d is below the %d fds the peer needs to pass a hard limit of %d pages", lim.Cur, need, hard)
	}
	uid := privateUID()
	p := proc.Spawn(t, "pipe-hog", proc.PeerSpec{Credential: &syscall.Credential{Uid: uid, Gid: uid}, Args: []string{strconv.Itoa(refused), "on"}})
	p.Expect(t, fmt.Sprintf("pipe2 %d ENFILE after %d shrunk", refused, shrunk))
	p.RequireExit(t, 0)
}
