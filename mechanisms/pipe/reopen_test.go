package pipe

// An end reopened through /proc/self/fd: a new open file description of
// the same pipe, in either direction, and a reader or writer in its own
// right. Ends moved to fd numbers above 65535.

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// reopen opens /proc/self/fd/FD with flags; the test owns the new fd.
func reopen(t *testing.T, fd, flags int) int {
	t.Helper()
	path := fmt.Sprintf("/proc/self/fd/%d", fd)
	nfd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open %s (flags %#x): %s", path, flags, sys.ErrnoName(err))
	}
	return sys.Own(t, nfd)
}

// statusFlags is F_GETFL.
func statusFlags(t *testing.T, fd int) int {
	t.Helper()
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		t.Fatalf("F_GETFL on fd %d: %s", fd, sys.ErrnoName(err))
	}
	return fl
}

func TestReopenThroughProcFd(t *testing.T) {
	t.Run("O_RDONLY on the write end's link is a reader that keeps the pipe alive", func(t *testing.T) {
		r, w := sys.Pipe(t, 0)
		r2 := reopen(t, w, unix.O_RDONLY|unix.O_NONBLOCK)
		// A dup would share the status flags; a new description does not.
		if fl := statusFlags(t, r2); fl&unix.O_ACCMODE != unix.O_RDONLY || fl&unix.O_NONBLOCK == 0 {
			t.Fatalf("reopened end's F_GETFL %#x, want O_RDONLY|O_NONBLOCK", fl)
		}
		if fl := statusFlags(t, w); fl != unix.O_WRONLY {
			t.Fatalf("write end's F_GETFL %#x after reopening its link with O_NONBLOCK, want O_WRONLY alone", fl)
		}
		// With the original reader gone, the reopened one still counts: the
		// write is not EPIPE.
		sys.Close(r)
		writeAll(t, w, []byte("kept"))
		requireRead(t, r2, 64, "kept")
	})
	t.Run("O_WRONLY on the read end's link is a writer that keeps the pipe alive", func(t *testing.T) {
		r, w := sys.Pipe(t, 0)
		w2 := reopen(t, r, unix.O_WRONLY)
		if fl := statusFlags(t, w2); fl&unix.O_ACCMODE != unix.O_WRONLY {
			t.Fatalf("reopened end's F_GETFL %#x, want O_WRONLY", fl)
		}
		// With the original writer gone, the reopened one still counts: an
		// empty pipe's nonblocking read is EAGAIN, not end of file.
		sys.Close(w)
		sys.SetNonblock(t, r, true)
		_, err := sys.Read(r, make([]byte, 8))
		sys.RequireErrno(t, err, unix.EAGAIN, "read of an empty pipe whose only writer is the reopened end")
		writeAll(t, w2, []byte("via link"))
		requireRead(t, r, 64, "via link")
		sys.Close(w2)
		requireEOF(t, r, "the reopened writer closed")
	})
}

func TestEndsWorkAtFdNumbersAbove65535(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("getrlimit: %s", sys.ErrnoName(err))
	}
	const high = 1 << 16 // the first number past 16 bits
	if lim.Max < high+2 && !sys.HasCap(unix.CAP_SYS_RESOURCE) {
		t.Skipf("RLIMIT_NOFILE's hard limit %d leaves no fd number above %d, and raising it needs CAP_SYS_RESOURCE", lim.Max, high-1)
	}
	if lim.Cur < high+2 {
		raised := unix.Rlimit{Cur: high + 2, Max: max(lim.Max, high+2)}
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &raised); err != nil {
			t.Fatalf("setrlimit(RLIMIT_NOFILE, %d): %s", raised.Cur, sys.ErrnoName(err))
		}
		// Lowering the hard limit again needs no privilege.
		t.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &lim) })
	}
	r0, w0 := sys.Pipe(t, 0)
	move := func(fd, to int) int {
		if err := unix.Dup3(fd, to, unix.O_CLOEXEC); err != nil {
			t.Fatalf("dup3(%d, %d): %s", fd, to, sys.ErrnoName(err))
		}
		sys.Close(fd)
		return sys.Own(t, to)
	}
	r, w := move(r0, high), move(w0, high+1)
	writeAll(t, w, []byte("high"))
	requireRead(t, r, 64, "high")
	// And through /proc/self/fd, whose names are the numbers.
	w2 := reopen(t, r, unix.O_WRONLY)
	writeAll(t, w2, []byte("link"))
	requireRead(t, r, 64, "link")
}

// A pipe has no mmap: ENODEV for any readable end. mmap checks the fd's
// access before asking the file, so the write-only end gets EACCES first.
func TestMmapOfAPipeFailsENODEV(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	rw := reopen(t, r, unix.O_RDWR)
	for _, c := range []struct {
		rule        string
		fd          int
		prot, flags int
		want        unix.Errno
	}{
		{"a private read-only map of the read end is ENODEV", r, unix.PROT_READ, unix.MAP_PRIVATE, unix.ENODEV},
		{"a shared read-write map of an O_RDWR end is ENODEV", rw, unix.PROT_READ | unix.PROT_WRITE, unix.MAP_SHARED, unix.ENODEV},
		{"any map of the write-only end is EACCES first", w, unix.PROT_READ, unix.MAP_PRIVATE, unix.EACCES},
	} {
		t.Run(c.rule, func(t *testing.T) {
			mem, err := unix.Mmap(c.fd, 0, 4096, c.prot, c.flags)
			if err == nil {
				unix.Munmap(mem)
			}
			sys.RequireErrno(t, err, c.want, c.rule)
		})
	}
}
