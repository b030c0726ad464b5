// Package stream holds what byte-stream mechanisms with pipe semantics
// (anonymous pipes, FIFOs, and stream sockets alike) share: a record format
// that shows torn or interleaved writes, a peer role that writes such
// records, the check that several writers' records arrived intact and that
// the writers really ran at the same time, and a peer role that writes into
// a stream with no reader under a chosen SIGPIPE disposition. A package
// registers the roles under its own names:
//
//	func init() { proc.Register("record-writer", stream.RecordWriter) }
package stream

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// PipeBuf is PIPE_BUF on Linux: writes of at most this many bytes to a pipe
// or FIFO are atomic. It is 4096 whatever the page size.
const PipeBuf = 4096

// RecordHeaderLen is the size of a record's header: magic, writer, sequence
// number and total length, four little-endian uint32s.
const RecordHeaderLen = 16

const recordMagic = 0x31434552 // "REC1"

// MakeRecord returns record number seq of writer, size bytes long (at
// least RecordHeaderLen): the header, then a fill that depends on writer,
// seq and position, so that bytes of another record cannot pass for it.
func MakeRecord(writer, seq, size int) []byte {
	if size < RecordHeaderLen {
		panic("helpers: record shorter than its header")
	}
	p := make([]byte, size)
	binary.LittleEndian.PutUint32(p[0:], recordMagic)
	binary.LittleEndian.PutUint32(p[4:], uint32(writer))
	binary.LittleEndian.PutUint32(p[8:], uint32(seq))
	binary.LittleEndian.PutUint32(p[12:], uint32(size))
	for i := RecordHeaderLen; i < size; i++ {
		p[i] = recordFill(writer, seq, i)
	}
	return p
}

func recordFill(writer, seq, i int) byte {
	return byte(writer*89 + seq*13 + i + i>>8)
}

// RecordSize is the size of record seq of writer in a run whose records
// are at most max bytes: varied (so that records straddle page boundaries
// in the pipe) but reproducible, and every eighth record exactly max.
func RecordSize(writer, seq, max int) int {
	if seq%8 == 0 {
		return max
	}
	h := uint64(writer)<<32 | uint64(seq)
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return RecordHeaderLen + int(h%uint64(max-RecordHeaderLen+1))
}

// CheckRecords reads r to its end and checks that it is made of whole,
// intact records only, each writer's in order 0, 1, 2, ... A torn or
// interleaved write shows as a bad header or a fill byte that differs. With
// perWriter >= 0 it also requires exactly perWriter records from each of
// writers writers (ids 0..writers-1). It returns how many records it read
// and how often consecutive records came from different writers.
func CheckRecords(r io.Reader, writers, perWriter int) (records, switches int, err error) {
	br := bufio.NewReaderSize(r, 1<<16)
	next := make([]int, writers)
	last := -1
	var off int64
	hdr := make([]byte, RecordHeaderLen)
	for {
		if _, err := io.ReadFull(br, hdr); err != nil {
			if err == io.EOF {
				break
			}
			return records, switches, fmt.Errorf("offset %d: header of record %d: %w", off, records, err)
		}
		magic := binary.LittleEndian.Uint32(hdr[0:])
		writer := int(binary.LittleEndian.Uint32(hdr[4:]))
		seq := int(binary.LittleEndian.Uint32(hdr[8:]))
		size := int(binary.LittleEndian.Uint32(hdr[12:]))
		if magic != recordMagic || writer >= writers || size < RecordHeaderLen || size > 1<<24 {
			return records, switches, fmt.Errorf("offset %d: record %d has a bad header % x (torn or interleaved write)", off, records, hdr)
		}
		if seq != next[writer] {
			return records, switches, fmt.Errorf("offset %d: writer %d sent record %d, want %d (lost, repeated or reordered)", off, writer, seq, next[writer])
		}
		body := make([]byte, size-RecordHeaderLen)
		if _, err := io.ReadFull(br, body); err != nil {
			return records, switches, fmt.Errorf("offset %d: record %d of writer %d (%d bytes) cut short: %w", off, seq, writer, size, err)
		}
		want := MakeRecord(writer, seq, size)[RecordHeaderLen:]
		if i := firstDiff(body, want); i >= 0 {
			return records, switches, fmt.Errorf("offset %d: record %d of writer %d (%d bytes) differs at byte %d: got %#x, want %#x (interleaved write)",
				off, seq, writer, size, RecordHeaderLen+i, body[i], want[i])
		}
		if last >= 0 && last != writer {
			switches++
		}
		last = writer
		next[writer]++
		records++
		off += int64(size)
	}
	if perWriter >= 0 {
		for w, n := range next {
			if n != perWriter {
				return records, switches, fmt.Errorf("writer %d: %d records arrived, want %d", w, n, perWriter)
			}
		}
	}
	return records, switches, nil
}

func firstDiff(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}

// FDReader reads a raw fd as an io.Reader: read(2), EINTR retried, with
// end of file (a zero read) as io.EOF.
func FDReader(fd int) io.Reader { return fdReader(fd) }

type fdReader int

func (fd fdReader) Read(p []byte) (int, error) {
	n, err := sys.Read(int(fd), p)
	if err == nil && n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, err
}

// RoleArgs parses a role's arguments of the form key=value.
func RoleArgs(args []string) map[string]string {
	m := map[string]string{}
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		m[k] = v
	}
	return m
}

func intArg(m map[string]string, key string, def int) int {
	s, ok := m[key]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		proc.Fatalf("argument %s=%q: not a number", key, s)
	}
	return n
}

// writeEnd is the write end a role uses: the FIFO at path=P, opened for
// writing (which waits for a reader), or else PeerFD(0).
func writeEnd(m map[string]string) int {
	if path, ok := m["path"]; ok {
		fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
		proc.Check(err, "open "+path+" for writing")
		return fd
	}
	return proc.PeerFD(0)
}

// RecordWriter is a peer role body. It writes count records (MakeRecord,
// RecordSize) as writer id, each with a single write(2) and each at most
// max bytes (default PipeBuf), to its write end (path=P or PeerFD(0)).
// It tells "ready" and waits for "go"; writes its first record and tells
// "first N", N being that record's size; waits for "rest"; writes the
// others, and exits 0, which closes its end. The pause after the first
// record lets the test hold every writer mid-stream at one moment
// (RequireIntactRecords). Arguments: writer=N count=N [max=N] [path=P]. A
// short write ends it with exit code 3.
func RecordWriter(args []string) int {
	m := RoleArgs(args)
	writer, count := intArg(m, "writer", 0), intArg(m, "count", 0)
	maxSize := intArg(m, "max", PipeBuf)
	fd := writeEnd(m)
	proc.Tell("ready")
	proc.AwaitLine("go")
	for seq := range count {
		rec := MakeRecord(writer, seq, RecordSize(writer, seq, maxSize))
		n, err := sys.Write(fd, rec)
		proc.Check(err, fmt.Sprintf("write record %d", seq))
		if n != len(rec) {
			proc.Fatalf("record %d: write(2) of %d bytes returned %d", seq, len(rec), n)
		}
		if seq == 0 {
			proc.Tell(fmt.Sprintf("first %d", n))
			proc.AwaitLine("rest")
		}
	}
	return 0
}

// SigpipeWriter is a peer role body that writes size bytes (default 1)
// with one call into a write end (path=P or PeerFD(0)) once the test has
// closed every read end. Arguments: mode=M [size=N] [path=P]. Modes:
//
//	stdout:  the end is moved onto fd 1 and written through os.Stdout,
//	         where Go keeps the default SIGPIPE action: expect death by
//	         SIGPIPE.
//	default: SIGPIPE is reset to SIG_DFL with a raw rt_sigaction and the
//	         end written with write(2): expect death by the kernel's
//	         SIGPIPE (amd64 and arm64 only; elsewhere it tells
//	         "unsupported").
//	ignore:  signal.Ignore, which sets SIG_IGN in the kernel: the write
//	         fails.
//	catch:   signal.Notify: the write fails and the handler sees SIGPIPE.
//
// It tells "ready" once the disposition is in place, waits for "write",
// writes, and tells the outcome: "N signal=S" or "ERRNO signal=S" (the
// count or the errno, as proc.Value renders them), where S is SIGPIPE or
// none in catch mode and - otherwise.
// Then it exits 0.
func SigpipeWriter(args []string) int {
	m := RoleArgs(args)
	mode := m["mode"]
	buf := make([]byte, intArg(m, "size", 1))
	fd := writeEnd(m)
	var caught chan os.Signal
	switch mode {
	case "stdout":
		proc.Check(unix.Dup3(fd, 1, 0), "dup3 onto fd 1")
	case "default":
		if !sys.SigactionKnown {
			proc.Tell("unsupported")
			return 0
		}
		proc.Check(sys.DefaultSignal(unix.SIGPIPE), "rt_sigaction(SIGPIPE, SIG_DFL)")
		if h := sigHandler(unix.SIGPIPE); h != sys.SigDfl {
			proc.Fatalf("SIGPIPE's handler is %#x after SIG_DFL", h)
		}
	case "ignore":
		signal.Ignore(unix.SIGPIPE)
		if h := sigHandler(unix.SIGPIPE); sys.SigactionKnown && h != sys.SigIgn {
			proc.Fatalf("signal.Ignore left SIGPIPE's handler at %#x, not SIG_IGN", h)
		}
	case "catch":
		caught = make(chan os.Signal, 8)
		signal.Notify(caught, unix.SIGPIPE, unix.SIGALRM)
	default:
		proc.Fatalf("sigpipe writer: unknown mode %q", mode)
	}
	proc.Tell("ready")
	proc.AwaitLine("write")
	var n int
	var err error
	if mode == "stdout" {
		n, err = os.Stdout.Write(buf)
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
	} else {
		n, err = sys.Write(fd, buf)
	}
	sig := "-"
	if caught != nil {
		sig = sigpipeSeen(caught)
	}
	proc.Tell(proc.Value(n, err) + " signal=" + sig)
	return 0
}

// sigpipeSeen tells whether the SIGPIPE of the write that just returned
// reached the handler. The kernel sends SIGPIPE to the writing thread, so
// the handler has run by the time write returns; a SIGALRM sent afterwards
// reaches the channel after it, which ends the wait without a timeout.
func sigpipeSeen(caught chan os.Signal) string {
	proc.Check(unix.Kill(os.Getpid(), unix.SIGALRM), "kill SIGALRM")
	seen := "none"
	timeout := time.After(sys.Scale(10 * time.Second))
	for {
		select {
		case s := <-caught:
			if s == unix.SIGPIPE {
				seen = "SIGPIPE"
			}
			if s == unix.SIGALRM {
				return seen
			}
		case <-timeout:
			proc.Fatalf("the marker SIGALRM never arrived")
		}
	}
}

// sigHandler returns sig's handler as the kernel holds it (sys.SigDfl,
// sys.SigIgn or a function's address).
func sigHandler(sig syscall.Signal) uintptr {
	h, err := sys.SignalHandler(sig)
	if err != nil {
		proc.Fatalf("rt_sigaction(%s) to read it: %s", unix.SignalName(sig), sys.ErrnoName(err))
	}
	return h
}

// RequireIntactRecords runs the RecordWriter peers (each waiting for
// "go"), reads fd to end of file, and fails the test unless the stream is
// whole records only, perWriter from each writer in order, and every writer
// exits 0.
//
// A stream from writers that never ran at the same time would prove nothing
// about atomicity, so it first makes their overlap a fact: each writer
// writes its first record and pauses, and only once the pipe holds every
// writer's first record do the writers go on and the reader start. At that
// moment every writer has written and has more to write, so their streams
// overlap. Writers that cannot run at the same time (one waiting for
// another to end) fail here, within a bound.
func RequireIntactRecords(t testing.TB, fd int, writers []*proc.Peer, perWriter int) {
	t.Helper()
	if perWriter < 2 {
		t.Fatalf("%d records per writer: a writer needs a record after its first to be mid-stream", perWriter)
	}
	capacity, err := unix.FcntlInt(uintptr(fd), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatalf("F_GETPIPE_SZ: %s", sys.ErrnoName(err))
	}
	if len(writers)*PipeBuf > capacity {
		t.Fatalf("a pipe of %d bytes cannot hold the first records of %d writers at once", capacity, len(writers))
	}
	for _, w := range writers {
		w.Send(t, "go")
	}
	// Writing one record into a pipe with room for it takes no time: the
	// bound only keeps a writer that cannot start from hanging the test.
	bound := sys.Scale(time.Second)
	until := time.Now().Add(bound)
	held := 0
	for i, w := range writers {
		line, ok := w.NextWithin(t, time.Until(until))
		if !ok {
			t.Fatalf("writer %d (pid %d) wrote no first record within %v while the others were mid-stream: the writers did not run at the same time, which proves nothing", i, w.Pid, bound)
		}
		var size int
		if _, err := fmt.Sscanf(line, "first %d", &size); err != nil {
			t.Fatalf("writer %d (pid %d) said %q, want \"first N\"", i, w.Pid, line)
		}
		held += size
	}
	if n, err := sys.FIONREAD(fd); err != nil || n != held {
		t.Fatalf("the writers say their first records, %d bytes in all, are written, but the pipe holds %d (%s)", held, n, sys.ErrnoName(err))
	}
	for _, w := range writers {
		w.Send(t, "rest")
	}
	type outcome struct {
		records, switches int
		err               error
	}
	got := sys.Start("read the records to end of file", func() outcome {
		n, sw, err := CheckRecords(FDReader(fd), len(writers), perWriter)
		return outcome{n, sw, err}
	}).Wait(t)
	if got.err != nil {
		t.Fatalf("after %d whole records: %v", got.records, got.err)
	}
	for _, w := range writers {
		w.RequireExit(t, 0)
	}
	t.Logf("%d records from %d processes, all mid-stream at one moment; the writer changed %d times in the stream", got.records, len(writers), got.switches)
}
