package unixsock

import (
	"fmt"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func init() { proc.Register("duplex", duplexRole) }

// duplexBytes is what each side of TestBothDirectionsAtOnce sends: many
// times what a socket buffers, so that neither side can finish its writes
// unless the other reads at the same time.
const duplexBytes = 4 << 20

// duplexRole sends duplexBytes of the pattern over PeerFD(0) while it
// reads and checks as many, and tells "ok" or what went wrong.
func duplexRole([]string) int {
	proc.Tell(exchange(proc.PeerFD(0)))
	return 0
}

// exchange writes duplexBytes of pattern on fd from one goroutine while
// reading duplexBytes from another, and checks what it read.
func exchange(fd int) string {
	wrote := make(chan error, 1)
	go func() {
		buf := make([]byte, 64<<10)
		for off := 0; off < duplexBytes; off += len(buf) {
			for i := range buf {
				buf[i] = pattern(off + i)
			}
			if err := sys.WriteFull(fd, buf); err != nil {
				wrote <- fmt.Errorf("write at %d: %s", off, sys.ErrnoName(err))
				return
			}
		}
		wrote <- nil
	}()
	buf := make([]byte, 64<<10)
	for off := 0; off < duplexBytes; {
		n, err := sys.Read(fd, buf)
		if err != nil || n == 0 {
			return fmt.Sprintf("read at %d: %d, %s", off, n, sys.ErrnoName(err))
		}
		for i := range n {
			if buf[i] != pattern(off+i) {
				return fmt.Sprintf("byte %d: %#x, want %#x", off+i, buf[i], pattern(off+i))
			}
		}
		off += n
	}
	if err := <-wrote; err != nil {
		return err.Error()
	}
	return "ok"
}

func pattern(i int) byte { return byte(i % 251) }

// Both processes send and receive at once on one stream socket, each many
// times the buffer: the two directions flow together and every byte
// arrives in order.
func TestBothDirectionsAtOnce(t *testing.T) {
	mine, theirs := socketpair(t, unix.SOCK_STREAM)
	peer := proc.Spawn(t, "duplex", proc.PeerSpec{Files: []int{theirs}, Handoff: true})
	if got := exchange(mine); got != "ok" {
		t.Fatalf("test's side of the exchange: %s", got)
	}
	peer.Expect(t, "ok")
	peer.RequireExit(t, 0)
}

// The two directions have buffers of their own: with the test's direction
// full, the peer's message still comes back, and the peer finds exactly
// the bytes the test's writes reported.
func TestADirectionFullLeavesTheOtherFree(t *testing.T) {
	fd, peer := pairWithPeer(t, unix.SOCK_STREAM, proc.PeerSpec{})
	queued := fillBytes(t, fd, 4096)
	peer.Must(t, "4", "send %d back 0", peerFile(0))
	mustRecv(t, fd, 16, 0, "back")
	if _, err := send(fd, []byte("x"), nil, unix.MSG_DONTWAIT); err != unix.EAGAIN {
		t.Fatalf("send to the full direction after the reply: %s, want EAGAIN", sys.ErrnoName(err))
	}
	peer.Must(t, strconv.Itoa(queued), "fionread %d", peerFile(0))
}

// fillBytes writes chunks of size bytes without blocking until EAGAIN and
// returns the bytes the kernel took.
func fillBytes(t testing.TB, fd, size int) int {
	t.Helper()
	buf := make([]byte, size)
	total := 0
	for {
		n, err := send(fd, buf, nil, unix.MSG_DONTWAIT)
		if err == unix.EAGAIN {
			return total
		}
		if err != nil {
			t.Fatalf("send after %d bytes: %s", total, sys.ErrnoName(err))
		}
		total += n
	}
}

// shutdown(SHUT_WR) ends one direction only: the peer reads what was sent
// and then end of file, while it can still send back; the test's own
// sends fail with EPIPE.
func TestShutdownWriteGivesEOFWhileThePeerCanStillSend(t *testing.T) {
	for _, st := range typesOf(unix.SOCK_STREAM, unix.SOCK_SEQPACKET) {
		t.Run(st.name, func(t *testing.T) {
			fd, peer := pairWithPeer(t, st.typ, proc.PeerSpec{})
			mustSend(t, fd, "data", 0)
			if err := unix.Shutdown(fd, unix.SHUT_WR); err != nil {
				t.Fatalf("shutdown(SHUT_WR): %s", sys.ErrnoName(err))
			}
			peer.Must(t, "data", "recv %d 16 0", peerFile(0))
			peer.Must(t, "EOF", "recv %d 16 0", peerFile(0))
			peer.Must(t, "5", "send %d reply 0", peerFile(0))
			mustRecv(t, fd, 16, 0, "reply")
			if _, err := send(fd, []byte("more"), nil, unix.MSG_NOSIGNAL); err != unix.EPIPE {
				t.Fatalf("send after SHUT_WR: %s, want EPIPE", sys.ErrnoName(err))
			}
		})
	}
}
