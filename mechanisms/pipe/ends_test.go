package pipe

// The two ends: direction, identity, flags, and what they are not (no
// seeking); close-on-exec across exec; pipe2 on a full fd table.

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/stream"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func TestReadEndReadsWriteEndWritesWrongDirectionFailsEBADF(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	_, err := sys.Write(r, []byte("x"))
	sys.RequireErrno(t, err, unix.EBADF, "write to fd[0]")
	_, err = sys.Read(w, make([]byte, 1))
	sys.RequireErrno(t, err, unix.EBADF, "read from fd[1]")
	writeAll(t, w, []byte("x"))
	requireRead(t, r, 1, "x")
}

func TestEndsAreOneFIFOInodeInPipefs(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	var sr, sw unix.Stat_t
	if err := unix.Fstat(r, &sr); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fstat(w, &sw); err != nil {
		t.Fatal(err)
	}
	if sr.Ino != sw.Ino || sr.Dev != sw.Dev {
		t.Fatalf("ends are inodes %d and %d, want one", sr.Ino, sw.Ino)
	}
	if sr.Mode != unix.S_IFIFO|0o600 {
		t.Fatalf("st_mode %#o, want S_IFIFO|0600", sr.Mode)
	}
	if int(sr.Uid) != os.Geteuid() {
		t.Fatalf("st_uid %d, want the creator %d", sr.Uid, os.Geteuid())
	}
	want := fmt.Sprintf("pipe:[%d]", sr.Ino)
	for _, fd := range []int{r, w} {
		if link, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd)); link != want {
			t.Fatalf("/proc/self/fd/%d links to %q, want %q", fd, link, want)
		}
	}
	var fs unix.Statfs_t
	if err := unix.Fstatfs(r, &fs); err != nil {
		t.Fatal(err)
	}
	if fs.Type != unix.PIPEFS_MAGIC {
		t.Fatalf("fstatfs f_type %#x, want PIPEFS_MAGIC", fs.Type)
	}
}

func TestStatusFlagsOfEachEnd(t *testing.T) {
	for _, c := range []struct {
		rule  string
		flags int // given to pipe2 besides O_CLOEXEC
		pipe  func(*testing.T) (r, w int)
		r, w  int
	}{
		{"plain ends are O_RDONLY and O_WRONLY", 0,
			func(t *testing.T) (int, int) { return sys.Pipe(t, 0) },
			unix.O_RDONLY, unix.O_WRONLY},
		{"O_NONBLOCK goes to both ends", unix.O_NONBLOCK,
			func(t *testing.T) (int, int) { return sys.Pipe(t, unix.O_NONBLOCK) },
			unix.O_RDONLY | unix.O_NONBLOCK, unix.O_WRONLY | unix.O_NONBLOCK},
		// It decides how writes are packed.
		{"O_DIRECT goes to the write end only", unix.O_DIRECT,
			directPipe,
			unix.O_RDONLY, unix.O_WRONLY | unix.O_DIRECT},
	} {
		t.Run(c.rule, func(t *testing.T) {
			r, w := c.pipe(t)
			for _, e := range []struct{ fd, want int }{{r, c.r}, {w, c.w}} {
				got, err := unix.FcntlInt(uintptr(e.fd), unix.F_GETFL, 0)
				if err != nil || got != e.want {
					t.Errorf("pipe2(%#x): F_GETFL of fd %d: got %#x (%v), want %#x", c.flags, e.fd, got, err, e.want)
				}
				// O_CLOEXEC is a descriptor flag, not a status flag.
				if got, _ := unix.FcntlInt(uintptr(e.fd), unix.F_GETFD, 0); got != unix.FD_CLOEXEC {
					t.Errorf("pipe2(%#x|O_CLOEXEC): F_GETFD %#x, want FD_CLOEXEC", c.flags, got)
				}
			}
		})
	}
}

func TestPipe2RejectsUnknownFlagsEINVAL(t *testing.T) {
	for _, f := range []struct {
		name string
		flag int
	}{{"O_APPEND", unix.O_APPEND}, {"O_RDWR", unix.O_RDWR}, {"O_SYNC", unix.O_SYNC}, {"O_TRUNC", unix.O_TRUNC}} {
		t.Run(f.name, func(t *testing.T) {
			var fds [2]int32
			_, err := sys.SyscallArgs(unix.SYS_PIPE2, sys.Ptr(unsafe.Pointer(&fds)), sys.Num(f.flag))
			if err == nil {
				sys.Own(t, int(fds[0]))
				sys.Own(t, int(fds[1]))
			}
			sys.RequireErrno(t, err, unix.EINVAL, fmt.Sprintf("pipe2(%s)", f.name))
		})
	}
}

// A pipe has no file position: lseek, pread and pwrite fail with ESPIPE.
func TestLseekAndPositionalIOFailESPIPE(t *testing.T) {
	for _, c := range stream.PositionCalls() {
		t.Run(c.Rule, func(t *testing.T) {
			r, w := sys.Pipe(t, 0)
			writeAll(t, w, []byte("data"))
			sys.RequireErrno(t, c.Call(r, w), unix.ESPIPE, c.Rule)
			if n := nread(t, r); n != 4 {
				t.Fatalf("pipe holds %d bytes after the failed call, want 4", n)
			}
		})
	}
}

func TestFIONREADCountsUnreadBytesOnBothEnds(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	check := func(want int) {
		t.Helper()
		if nr, nw := nread(t, r), nread(t, w); nr != want || nw != want {
			t.Fatalf("FIONREAD: read end %d, write end %d, want %d", nr, nw, want)
		}
	}
	check(0)
	writeAll(t, w, []byte("abc"))
	writeAll(t, w, []byte("defgh"))
	check(8)
	requireRead(t, r, 2, "ab")
	check(6)
}

func TestZeroLengthReadAndWriteReturnZeroAtOnce(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	// Empty pipe, writer open: a read of 0 bytes does not wait, and its 0
	// is not end of file.
	if res, _ := readNow(t, r, 0, "zero-length read of an empty pipe"); res != (sys.Result{}) {
		t.Fatalf("zero-length read of an empty pipe: %s, want 0", res)
	}
	writeAll(t, w, nil)
	if n := nread(t, r); n != 0 {
		t.Fatalf("a zero-length write left %d bytes", n)
	}
	if rev, _ := sys.Revents(r, unix.POLLIN, 0); rev != 0 {
		t.Fatalf("a zero-length write made the read end ready: %#x", rev)
	}
}

func inode(t *testing.T, fd int) string {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatUint(st.Ino, 10)
}

func TestCloexecEndsDoNotSurviveExec(t *testing.T) {
	r, _ := sys.Pipe(t, 0) // pipe2(O_CLOEXEC)
	p := proc.Spawn(t, "find-pipe", proc.PeerSpec{Args: []string{inode(t, r)}})
	p.Expect(t, "found 0")
	p.RequireExit(t, 0)
}

func TestEndsWithoutCloexecSurviveExec(t *testing.T) {
	// The control case for the test above. Nothing else spawns meanwhile:
	// tests here do not run in parallel.
	r, w := sys.Pipe(t, 0)
	// The inherited copies go to high fd numbers: the peer's own files
	// (the control channel) are placed at fds 3 and up in the child, and
	// would replace inherited fds there, as they do in a small guest.
	hr, hw := dupHigh(t, r), dupHigh(t, w)
	setCloexec(t, hr, false)
	setCloexec(t, hw, false)
	p := proc.Spawn(t, "find-pipe", proc.PeerSpec{Args: []string{inode(t, r)}})
	setCloexec(t, hr, true)
	setCloexec(t, hw, true)
	p.Expect(t, "found 2")
	p.Expect(t, "9")
	p.RequireExit(t, 0)
	requireRead(t, r, 100, "inherited")
}

// dupHigh returns an owned close-on-exec copy of fd numbered 100 or more.
func dupHigh(t *testing.T, fd int) int {
	t.Helper()
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 100)
	if err != nil {
		t.Fatalf("F_DUPFD_CLOEXEC of fd %d: %s", fd, sys.ErrnoName(err))
	}
	return sys.Own(t, dup)
}

func setCloexec(t *testing.T, fd int, on bool) {
	t.Helper()
	flag := 0
	if on {
		flag = unix.FD_CLOEXEC
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, flag); err != nil {
		t.Fatalf("F_SETFD on fd %d: %s", fd, sys.ErrnoName(err))
	}
}

func TestPipe2NeedsTwoFreeFdsElseEMFILEAndAllocatesNothing(t *testing.T) {
	p := proc.Spawn(t, "emfile", proc.PeerSpec{})
	p.Expect(t, "none-free=EMFILE one-free=EMFILE then-dup=EMFILE bad-address=EFAULT two-free=ok")
	p.RequireExit(t, 0)
}

// preadv and pwritev take a position too: ESPIPE, and nothing moves.
func TestVectoredPositionalIOFailsESPIPE(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	writeAll(t, w, []byte("data"))
	_, err := unix.Preadv(r, [][]byte{make([]byte, 2), make([]byte, 2)}, 0)
	sys.RequireErrno(t, err, unix.ESPIPE, "preadv on the read end")
	_, err = unix.Pwritev(w, [][]byte{[]byte("x"), []byte("y")}, 0)
	sys.RequireErrno(t, err, unix.ESPIPE, "pwritev on the write end")
	requireRead(t, r, 64, "data")
}

// pipefs reports a page as its block size (st_blksize too, which stdio
// uses to size its buffers).
func TestFstatfsAndFstatReportAPageAsBlockSize(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	page := int64(os.Getpagesize())
	for _, fd := range []int{r, w} {
		var fs unix.Statfs_t
		if err := unix.Fstatfs(fd, &fs); err != nil {
			t.Fatalf("fstatfs(%d): %s", fd, sys.ErrnoName(err))
		}
		if fs.Bsize != page {
			t.Errorf("fstatfs(%d) f_bsize %d, want the page size %d", fd, fs.Bsize, page)
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			t.Fatalf("fstat(%d): %s", fd, sys.ErrnoName(err))
		}
		if int64(st.Blksize) != page {
			t.Errorf("fstat(%d) st_blksize %d, want the page size %d", fd, st.Blksize, page)
		}
	}
}

// pipe(2) (not pipe2) with an array it cannot write: EFAULT, and the two
// fds it had made are gone again. A kernel that kept them would leave two
// more pipe fds in /proc/self/fd and the lowest free number taken.
func TestPipeWithFaultingArrayFailsEFAULTAndLeavesNoFdOpen(t *testing.T) {
	trap, ok := pipeTrap()
	if !ok {
		t.Skipf("%s has no pipe(2) system call, only pipe2", runtime.GOARCH)
	}
	lowestFree := func() int {
		fd, err := unix.Dup(0)
		if err != nil {
			t.Fatalf("dup: %s", sys.ErrnoName(err))
		}
		unix.Close(fd)
		return fd
	}
	beforeFd, beforePipes := lowestFree(), pipeFds(t)
	_, err := sys.Syscall(trap, 1) // an unmapped address
	sys.RequireErrno(t, err, unix.EFAULT, "pipe(2) into an unmapped array")
	if afterFd, afterPipes := lowestFree(), pipeFds(t); afterFd != beforeFd || afterPipes != beforePipes {
		t.Fatalf("after the failed pipe(2): lowest free fd %d (was %d), %d pipe fds open (were %d)", afterFd, beforeFd, afterPipes, beforePipes)
	}
}

// pipeFds counts the process's fds that are pipes.
func pipeFds(t *testing.T) int {
	t.Helper()
	links, err := filepath.Glob("/proc/self/fd/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range links {
		if target, err := os.Readlink(l); err == nil && strings.HasPrefix(target, "pipe:") {
			n++
		}
	}
	return n
}
