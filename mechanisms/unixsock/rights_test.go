package unixsock

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// scmMaxFD is SCM_MAX_FD (include/net/scm.h): the most fds one message
// may carry.
const scmMaxFD = 253

// sendFDs sends text with an SCM_RIGHTS message carrying fds.
func sendFDs(t testing.TB, fd int, text string, fds ...int) error {
	t.Helper()
	return sendOOB(fd, []byte(text), unix.UnixRights(fds...))
}

// receivedFDs parses the peer's answer to recvfds: the text must be want
// and MSG_CTRUNC as ctrunc says; it returns the peer's new fds.
func receivedFDs(t testing.TB, answer, want string, ctrunc bool) []int {
	t.Helper()
	text, rest, _ := strings.Cut(answer, " fds=")
	list, trunc, ok := strings.Cut(rest, " ctrunc=")
	if !ok || text != want || trunc != strconv.FormatBool(ctrunc) {
		t.Fatalf("peer received %q; want text %q with ctrunc=%v", answer, want, ctrunc)
	}
	var fds []int
	for _, s := range strings.Split(list, ",") {
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("peer received %q: bad fd %q", answer, s)
		}
		fds = append(fds, n)
	}
	return fds
}

// The peer uses a file, a pipe's write end and a socket that the test sent
// it and then closed: its copies are open files of their own, and when it
// closes the pipe end, the pipe's reader sees end of file, so the test kept
// no reference.
func TestPassedFdsWorkInTheReceiver(t *testing.T) {
	path := filepath.Join(proc.Dir(t), "f")
	if err := os.WriteFile(path, []byte("file-data"), 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open %s: %s", path, sys.ErrnoName(err))
	}
	sys.Own(t, file)
	pipeR, pipeW := sys.Pipe(t, unix.O_NONBLOCK)
	sockMine, sockTheirs := socketpair(t, unix.SOCK_STREAM)
	fd, peer := pairWithPeer(t, unix.SOCK_STREAM, proc.PeerSpec{})

	if err := sendFDs(t, fd, "three", file, pipeW, sockTheirs); err != nil {
		t.Fatalf("sendmsg with SCM_RIGHTS: %s", sys.ErrnoName(err))
	}
	for _, f := range []int{file, pipeW, sockTheirs} {
		sys.Close(f)
	}
	got := receivedFDs(t, peer.Ask(t, "recvfds %d 3", peerFile(0)), "three", false)
	if len(got) != 3 {
		t.Fatalf("peer received fds %v, want 3", got)
	}
	peer.Must(t, "file-data", "pread %d 64", got[0])
	peer.Must(t, "4", "write %d pipe", got[1])
	mustRead(t, pipeR, "pipe")
	peer.Must(t, "4", "write %d sock", got[2])
	mustRecv(t, sockMine, 16, 0, "sock")
	peer.Must(t, "ok", "close %d", got[1])
	mustRead(t, pipeR, "EOF")
}

// mustRead fails unless one read(2) of at most 64 bytes gives want
// ("EOF" for 0 bytes, or an errno's name).
func mustRead(t testing.TB, fd int, want string) {
	t.Helper()
	buf := make([]byte, 64)
	n, err := sys.Read(fd, buf)
	if got := proc.ReadAnswer(buf, n, err); got != want {
		t.Fatalf("read: %q, want %q", got, want)
	}
}

// A receiver whose control buffer holds one fd of the three sent gets
// that one and MSG_CTRUNC; the kernel closes the other two rather than
// installing them: their pipes' readers see end of file at once, while
// the pipe whose end arrived still has a writer (EAGAIN).
func TestCtruncClosesTheFdsThatDidNotFit(t *testing.T) {
	fd, peer := pairWithPeer(t, unix.SOCK_STREAM, proc.PeerSpec{})
	var readers, writers []int
	for range 3 {
		r, w := sys.Pipe(t, unix.O_NONBLOCK)
		readers, writers = append(readers, r), append(writers, w)
	}
	if err := sendFDs(t, fd, "three", writers...); err != nil {
		t.Fatalf("sendmsg with SCM_RIGHTS: %s", sys.ErrnoName(err))
	}
	for _, w := range writers {
		sys.Close(w)
	}
	got := receivedFDs(t, peer.Ask(t, "recvfds %d 1", peerFile(0)), "three", true)
	if len(got) != 1 {
		t.Fatalf("peer received fds %v with room for one, want one", got)
	}
	mustRead(t, readers[0], "EAGAIN")
	mustRead(t, readers[1], "EOF")
	mustRead(t, readers[2], "EOF")
	peer.Must(t, "ok", "close %d", got[0])
	mustRead(t, readers[0], "EOF")
}

// One message carries at most SCM_MAX_FD fds: one more is EINVAL and sends
// nothing, while SCM_MAX_FD arrive, every one.
func TestMoreThanSCM_MAX_FDFdsIsEINVAL(t *testing.T) {
	fd, peer := pairWithPeer(t, unix.SOCK_STREAM, proc.PeerSpec{})
	_, w := sys.Pipe(t, 0)
	err := sendFDs(t, fd, "over", slices.Repeat([]int{w}, scmMaxFD+1)...)
	sys.RequireErrno(t, err, unix.EINVAL, "sendmsg with SCM_MAX_FD+1 fds")
	if err := sendFDs(t, fd, "most", slices.Repeat([]int{w}, scmMaxFD)...); err != nil {
		t.Fatalf("sendmsg with SCM_MAX_FD fds: %s", sys.ErrnoName(err))
	}
	got := receivedFDs(t, peer.Ask(t, "recvfds %d %d", peerFile(0), scmMaxFD+1), "most", false)
	if len(got) != scmMaxFD {
		t.Fatalf("peer received %d fds, want %d", len(got), scmMaxFD)
	}
	peer.Must(t, "EAGAIN", "recv %d 16 %#x", peerFile(0), unix.MSG_DONTWAIT)
}
