package pipe

// poll: POLLIN and POLLOUT in the normal states, POLLHUP on the reader once
// the last writer is gone, POLLERR on the writer once the last reader is.

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// requireRevents polls fd at once and requires exactly want.
func requireRevents(t *testing.T, fd int, events, want int16, what string) {
	t.Helper()
	rev, err := sys.Revents(fd, events, 0)
	if err != nil {
		t.Fatalf("%s: poll: %s", what, sys.ErrnoName(err))
	}
	if rev != want {
		t.Fatalf("%s: revents %s, want %s", what, pollNames(rev), pollNames(want))
	}
}

func pollNames(rev int16) string {
	s := ""
	for _, b := range []struct {
		bit  int16
		name string
	}{{unix.POLLIN, "POLLIN"}, {unix.POLLOUT, "POLLOUT"}, {unix.POLLERR, "POLLERR"}, {unix.POLLHUP, "POLLHUP"}, {unix.POLLNVAL, "POLLNVAL"}, {pollRdnorm, "POLLRDNORM"}, {pollWrnorm, "POLLWRNORM"}} {
		if rev&b.bit != 0 {
			s += "|" + b.name
			rev &^= b.bit
		}
	}
	if rev != 0 {
		s += fmt.Sprintf("|%#x", rev)
	}
	if s == "" {
		return "none"
	}
	return s[1:]
}

const inOut = unix.POLLIN | unix.POLLOUT

// POLLRDNORM and POLLWRNORM, which x/sys/unix lacks: asm-generic's values,
// which epoll's EPOLLRDNORM and EPOLLWRNORM share on amd64 and arm64.
const (
	pollRdnorm int16 = unix.EPOLLRDNORM
	pollWrnorm int16 = unix.EPOLLWRNORM
)

// pollForever polls fd without a timeout, for Blocks, and names the result.
func pollForever(fd int, events int16) func() string {
	return func() string {
		rev, err := sys.Revents(fd, events, -1)
		return pollNames(rev) + " " + sys.ErrnoName(err)
	}
}

func TestPollReportsPOLLINWithDataAndPOLLOUTWithRoom(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	// Each end reports only its own direction.
	requireRevents(t, r, inOut, 0, "read end of an empty pipe")
	requireRevents(t, w, inOut, unix.POLLOUT, "write end of an empty pipe")
	writeAll(t, w, []byte("x"))
	requireRevents(t, r, inOut, unix.POLLIN, "read end with data")
	writeAll(t, w, pattern(pipeSize(t, w)-1))
	requireRevents(t, w, inOut, 0, "write end of a full pipe")
	requireRevents(t, r, inOut, unix.POLLIN, "read end of a full pipe")
}

func TestPollWaitsUntilWriterPeerWrites(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := spawnEnd(t, w, false)
	res := sys.Blocks(t, "poll for POLLIN on an empty pipe",
		pollForever(r, unix.POLLIN),
		func() { p.Send(t, "write q") })
	if res != "POLLIN no error" {
		t.Fatalf("poll once the peer wrote: %s, want POLLIN", res)
	}
}

func TestPollReportsPOLLHUPOnReaderAfterLastWriterPeerCloses(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := spawnEnd(t, w, false)
	p.Must(t, "1", "write z")
	requireRevents(t, r, unix.POLLIN, unix.POLLIN, "data, writer open")
	// POLLHUP comes unasked, and a poll waiting for input wakes for it.
	requireRead(t, r, 1, "z")
	res := sys.Blocks(t, "poll for POLLIN with the writer peer open",
		pollForever(r, unix.POLLIN),
		func() { p.Send(t, "close") })
	if res != "POLLHUP no error" {
		t.Fatalf("poll once the last writer closed: %s, want POLLHUP", res)
	}
	p.Expect(t, "ok")
	requireRevents(t, r, unix.POLLIN, unix.POLLHUP, "empty pipe, no writer")
}

func TestPollReportsPOLLINAndPOLLHUPWhileDataOutlivesWriterPeer(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := spawnEnd(t, w, false)
	p.Must(t, "2", "write zz")
	p.Send(t, "exit")
	p.RequireExit(t, 0)
	requireRevents(t, r, unix.POLLIN, unix.POLLIN|unix.POLLHUP, "data left, no writer")
	requireRead(t, r, 2, "zz")
	requireRevents(t, r, unix.POLLIN, unix.POLLHUP, "drained, no writer")
}

func TestPollReportsPOLLERROnWriterAfterLastReaderPeerCloses(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := spawnEnd(t, r, false)
	requireRevents(t, w, unix.POLLOUT, unix.POLLOUT, "empty pipe, reader open")
	p.Must(t, "ok", "close")
	// POLLERR comes unasked.
	requireRevents(t, w, unix.POLLOUT, unix.POLLOUT|unix.POLLERR, "empty pipe, no reader")
	p.Send(t, "exit")
	p.RequireExit(t, 0)
}

// POLLRDNORM and POLLWRNORM are reported alongside POLLIN and POLLOUT, each
// only when asked for.
func TestPollReportsPOLLRDNORMAndPOLLWRNORMWhenAsked(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	requireRevents(t, r, pollRdnorm, 0, "read end of an empty pipe")
	requireRevents(t, w, pollWrnorm, pollWrnorm, "write end of an empty pipe, POLLWRNORM asked")
	writeAll(t, w, []byte("x"))
	requireRevents(t, r, pollRdnorm, pollRdnorm, "read end with data, POLLRDNORM asked")
	requireRevents(t, r, unix.POLLIN|pollRdnorm, unix.POLLIN|pollRdnorm, "read end with data, both asked")
	writeAll(t, w, pattern(pipeSize(t, w)-1))
	requireRevents(t, w, unix.POLLOUT|pollWrnorm, 0, "write end of a full pipe")
}

// An fd number with nothing open behind it reports POLLNVAL, unasked,
// without failing the poll; a negative fd is skipped, reporting nothing.
// A kernel that failed the whole poll (EBADF) would fail it.
func TestPollReportsPOLLNVALForAClosedFdAndNothingForANegativeOne(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	writeAll(t, w, []byte("x"))
	// A number above every fd in use, so that nothing reuses it meanwhile.
	gone := 1000
	if _, err := unix.FcntlInt(uintptr(gone), unix.F_GETFD, 0); err != unix.EBADF {
		t.Fatalf("fd %d is in use (F_GETFD: %s); the test needs it free", gone, sys.ErrnoName(err))
	}
	if err := unix.Dup3(r, gone, unix.O_CLOEXEC); err != nil {
		t.Fatalf("dup3(%d, %d): %s", r, gone, sys.ErrnoName(err))
	}
	unix.Close(gone)
	pfds := []unix.PollFd{{Fd: int32(gone), Events: unix.POLLIN}, {Fd: -1, Events: unix.POLLIN}, {Fd: int32(r), Events: unix.POLLIN}}
	n, err := sys.RetryValue(func() (int, error) { return unix.Poll(pfds, 0) })
	if err != nil {
		t.Fatalf("poll: %s", sys.ErrnoName(err))
	}
	for _, c := range []struct {
		what string
		got  int16
		want int16
	}{{"closed fd", pfds[0].Revents, unix.POLLNVAL}, {"negative fd", pfds[1].Revents, 0}, {"read end with data", pfds[2].Revents, unix.POLLIN}} {
		if c.got != c.want {
			t.Errorf("%s: revents %s, want %s", c.what, pollNames(c.got), pollNames(c.want))
		}
	}
	if n != 2 {
		t.Errorf("poll returned %d, want 2 (the closed fd and the read end)", n)
	}
}
