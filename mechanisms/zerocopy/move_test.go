package zerocopy

// Four ways to move a file to another process over a stream socket, as
// the benchmark runs them: each makes, before the timed loop, a function
// that sends the whole file in calls of chunk bytes and allocates nothing.

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/mechanisms/inet"
)

// A mover sends size bytes of file, from its start, to the socket sock.
type mover struct {
	name string
	// copies is how many times the seed counts the data copied on the way
	// from the disk to the network.
	copies int
	make   func(t testing.TB, file, sock, size, chunk int) func() error
}

var movers = []mover{
	{"readwrite", 4, readWrite},
	{"mmapwrite", 3, mmapWrite},
	{"sendfile", 2, sendFile},
	{"splice", 2, spliceThroughPipe},
}

// readWrite reads the file into a buffer and writes the buffer to the
// socket: the data crosses into the process and back out.
func readWrite(t testing.TB, file, sock, size, chunk int) func() error {
	buf := make([]byte, chunk)
	return func() error {
		for off := 0; off < size; {
			n, err := unix.Pread(file, buf[:min(chunk, size-off)], int64(off))
			if err != nil {
				return err
			}
			if n == 0 {
				return io.ErrUnexpectedEOF
			}
			if err := sys.WriteFull(sock, buf[:n]); err != nil {
				return err
			}
			off += n
		}
		return nil
	}
}

// mmapWrite writes the socket straight from a shared mapping of the file:
// one copy fewer than readWrite, paid for with page faults. The file is
// mapped once, and its page table entries are dropped after each pass
// (MADV_DONTNEED), so that every pass faults the pages in as a fresh
// mapping would; mapping anew each pass would allocate in Go.
func mmapWrite(t testing.TB, file, sock, size, chunk int) func() error {
	mem, err := unix.Mmap(file, 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatalf("mmap the file: %s", sys.ErrnoName(err))
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	return func() error {
		for off := 0; off < size; off += chunk {
			if err := sys.WriteFull(sock, mem[off:min(off+chunk, size)]); err != nil {
				return err
			}
		}
		return unix.Madvise(mem, unix.MADV_DONTNEED)
	}
}

// sendFile has the kernel read the file and write the socket.
func sendFile(t testing.TB, file, sock, size, chunk int) func() error {
	var off int64
	return func() error {
		for off = 0; off < int64(size); {
			n, err := unix.Sendfile(sock, file, &off, min(chunk, size-int(off)))
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return err
			}
			if n == 0 {
				return io.ErrUnexpectedEOF
			}
		}
		return nil
	}
}

// spliceThroughPipe splices the file into a pipe of at least chunk bytes
// and the pipe into the socket.
func spliceThroughPipe(t testing.TB, file, sock, size, chunk int) func() error {
	r, w := sys.Pipe(t, 0)
	if have, err := unix.FcntlInt(uintptr(w), unix.F_GETPIPE_SZ, 0); err == nil && have < chunk {
		if _, err := unix.FcntlInt(uintptr(w), unix.F_SETPIPE_SZ, chunk); err != nil {
			t.Fatalf("F_SETPIPE_SZ %d: %s", chunk, sys.ErrnoName(err))
		}
	}
	var off int64
	return func() error {
		for off = 0; off < int64(size); {
			n, err := unix.Splice(file, &off, w, nil, min(chunk, size-int(off)), unix.SPLICE_F_MOVE)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return err
			}
			if n == 0 {
				return io.ErrUnexpectedEOF
			}
			for n > 0 {
				m, err := unix.Splice(r, nil, sock, nil, int(n), unix.SPLICE_F_MOVE)
				if err == unix.EINTR {
					continue
				}
				if err != nil {
					return err
				}
				n -= m
			}
		}
		return nil
	}
}

// A via is the stream socket the file goes through: it returns the test's
// end, and hands the other to the peer it describes.
type via struct {
	name string
	open func(t testing.TB) (int, []int)
}

var vias = []via{
	{"unix", func(t testing.TB) (int, []int) {
		mine, theirs := streamPair(t)
		return mine, []int{theirs}
	}},
	{"tcp", func(t testing.TB) (int, []int) {
		ep, spec := inet.TCP.Open(t)
		s, ok := ep.(inet.Stream)
		if !ok {
			t.Fatalf("the tcp transport's end is a %T, not an inet.Stream", ep)
		}
		return s.FD, spec.Files
	}},
}

var errShortAck = errors.New("no acknowledgement from the peer")

// A sink is a "sink" peer on the far end of a via's socket.
type sink struct {
	sock int
	peer *proc.Peer
	cpu  int64 // the peer's CPU time when it was ready
	ack  []byte
}

// startSink opens v, starts a sink for files of size bytes on its far end,
// checking every byte if check, and waits until it is ready.
func startSink(t testing.TB, v via, size int, check bool) *sink {
	t.Helper()
	sock, files := v.open(t)
	mode := "discard"
	if check {
		mode = "check"
	}
	p := proc.Spawn(t, "sink", proc.PeerSpec{Args: []string{strconv.Itoa(size), mode}, Files: files, Handoff: true})
	s := &sink{sock: sock, peer: p, ack: make([]byte, 1)}
	s.cpu = s.expect(t, "ready", 1)[0]
	return s
}

// expect reads the peer's next line and requires it to be word followed
// by n numbers, which it returns.
func (s *sink) expect(t testing.TB, word string, n int) []int64 {
	t.Helper()
	line := s.peer.Next(t)
	f := strings.Fields(line)
	if len(f) != n+1 || f[0] != word {
		t.Fatalf("sink said %q, want %s and %d numbers", line, word, n)
	}
	nums := make([]int64, n)
	for i := range nums {
		v, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil {
			t.Fatalf("sink said %q: %v", line, err)
		}
		nums[i] = v
	}
	return nums
}

// awaitAck waits for the sink's acknowledgement of a whole file.
func (s *sink) awaitAck() error {
	n, err := sys.Read(s.sock, s.ack)
	if err == nil && n != 1 {
		err = errShortAck
	}
	return err
}

// finish closes the socket, requires the sink to have received files
// whole files and to exit, and returns the CPU time it spent since it was
// ready.
func (s *sink) finish(t testing.TB, files int) time.Duration {
	t.Helper()
	sys.Close(s.sock)
	done := s.expect(t, "done", 2)
	if done[0] != int64(files) {
		t.Fatalf("sink received %d files, want %d", done[0], files)
	}
	s.peer.RequireExit(t, 0)
	return time.Duration(done[1] - s.cpu)
}

// Every mover delivers the file whole over each socket, pass after pass,
// with the last chunk a short one: the sink checks every byte.
func TestEveryMoverDeliversTheFileIntact(t *testing.T) {
	size, chunk := 5*page+123, 2*page
	file := dataFile(t, size)
	for _, m := range movers {
		for _, v := range vias {
			t.Run(m.name+"_over_"+v.name, func(t *testing.T) {
				s := startSink(t, v, size, true)
				move := m.make(t, file, s.sock, size, chunk)
				for pass := range 2 {
					if err := move(); err != nil {
						t.Fatalf("pass %d: %s: %s", pass, m.name, sys.ErrnoName(err))
					}
					if err := s.awaitAck(); err != nil {
						t.Fatalf("pass %d: %s", pass, sys.ErrnoName(err))
					}
				}
				s.finish(t, 2)
			})
		}
	}
}
