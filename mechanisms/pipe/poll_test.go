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
	}{{unix.POLLIN, "POLLIN"}, {unix.POLLOUT, "POLLOUT"}, {unix.POLLERR, "POLLERR"}, {unix.POLLHUP, "POLLHUP"}, {unix.POLLNVAL, "POLLNVAL"}} {
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
