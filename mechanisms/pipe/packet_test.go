package pipe

// O_DIRECT packet mode (Linux 3.4): each write is a packet, each read takes
// at most one.

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/stream"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// directPipe makes a packet-mode pipe, skipping on kernels before 3.4.
func directPipe(t *testing.T) (r, w int) {
	t.Helper()
	var p [2]int
	err := unix.Pipe2(p[:], unix.O_DIRECT|unix.O_CLOEXEC)
	sys.RequireFeature(t, "3.4", "pipe2(O_DIRECT)", err, unix.EINVAL)
	return sys.Own(t, p[0]), sys.Own(t, p[1])
}

func TestPacketModeReadReturnsOnePacketPerRead(t *testing.T) {
	r, w := directPipe(t)
	p := spawnEnd(t, w, false)
	for _, msg := range []string{"aaa", "bbbbb", "c"} {
		p.Must(t, strconv.Itoa(len(msg)), "write %s", msg)
	}
	p.Send(t, "exit")
	p.RequireExit(t, 0)
	// A byte-stream pipe would return "aaabbbbbc" at once.
	requireRead(t, r, 100, "aaa")
	requireRead(t, r, 100, "bbbbb")
	requireRead(t, r, 100, "c")
	requireEOF(t, r, "after the last packet")
}

func TestPacketModeShortReadDiscardsRestOfPacket(t *testing.T) {
	r, w := directPipe(t)
	p := spawnEnd(t, w, false)
	p.Must(t, "10", "write 0123456789")
	p.Must(t, "3", "write abc")
	requireRead(t, r, 4, "0123")
	if n := nread(t, r); n != 3 {
		t.Fatalf("after a 4-byte read of a 10-byte packet the pipe holds %d bytes, want 3 (the rest discarded)", n)
	}
	requireRead(t, r, 100, "abc")
}

func TestPacketModeSplitsWritesAbovePipeBufIntoPackets(t *testing.T) {
	// man 2 pipe says PIPE_BUF; the kernel cuts at each page. They agree
	// on 4 KiB pages.
	if os.Getpagesize() != stream.PipeBuf {
		t.Skipf("page size %d is not PIPE_BUF", os.Getpagesize())
	}
	r, w := directPipe(t)
	data := pattern(stream.PipeBuf + 10)
	writeAll(t, w, data)
	buf := make([]byte, 2*stream.PipeBuf)
	for _, want := range []int{stream.PipeBuf, 10} {
		n, err := sys.Read(r, buf)
		if err != nil || n != want {
			t.Fatalf("read of a %d-byte write in packet mode: got %s, want a packet of %d", len(data), sys.Result{N: n, Err: err}, want)
		}
	}
}

func TestSetflODirectSwitchesPipeToPacketMode(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	_, err := unix.FcntlInt(uintptr(w), unix.F_SETFL, unix.O_DIRECT)
	sys.RequireFeature(t, "4.5", "F_SETFL O_DIRECT on a pipe", err, unix.EINVAL)
	writeAll(t, w, []byte("ab"))
	writeAll(t, w, []byte("cd"))
	requireRead(t, r, 100, "ab")
	requireRead(t, r, 100, "cd")
}

// F_SETFL without O_DIRECT ends packet mode: later writes join the byte
// stream. The packets already written stay packets.
func TestPacketModeEndsWhenSetflClearsODirect(t *testing.T) {
	r, w := directPipe(t)
	writeAll(t, w, []byte("ab"))
	writeAll(t, w, []byte("cd"))
	_, err := unix.FcntlInt(uintptr(w), unix.F_SETFL, 0)
	sys.RequireFeature(t, "4.5", "F_SETFL clearing O_DIRECT on a pipe", err, unix.EINVAL)
	if fl := statusFlags(t, w); fl != unix.O_WRONLY {
		t.Fatalf("write end's F_GETFL %#x after clearing O_DIRECT, want O_WRONLY", fl)
	}
	writeAll(t, w, []byte("ef"))
	writeAll(t, w, []byte("gh"))
	requireRead(t, r, 100, "ab")
	requireRead(t, r, 100, "cd")
	requireRead(t, r, 100, "efgh")
}
