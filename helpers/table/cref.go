package table

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// A CProgram is a C reference program: a ping-pong written in plain C,
// measured beside the rows it is a reference for, in the same run and
// placement. Every such program takes the arguments
//
//	ROUNDS SELF_CPU PEER_CPU SIZE [NAME]
//
// forks its echo process, pins both, times ROUNDS round trips of SIZE bytes
// after a warm-up with CLOCK_MONOTONIC, and prints one line:
//
//	rounds=ROUNDS ns=ELAPSED cpu-ns=CPU
//
// CPU being the CPU time both processes spent in the timed rounds.
type CProgram struct {
	Name    string // row name, e.g. "pipe"
	Path    string // the compiled program (proc.BuildC)
	MaxSize int    // largest message
	// Spins marks a program whose two processes busy-wait: it runs only
	// on separate CPUs, as Transport.Spins.
	Spins bool
	// Arg, if set, makes the program's NAME argument for one run: an
	// object name or a file path that the program removes once open.
	Arg func(t testing.TB) string
}

// CReferences builds the C reference programs of srcDir (the module's
// testdata/cref) into dir:
//   - "shmring": spinning rings in the layout of helpers/shmring, in shared
//     anonymous memory;
//   - "shm-classic": the classic table's "Shared Memory", a buffer per
//     direction behind a flag word, spinning, in a SysV segment;
//   - "mmap-classic": the same in a MAP_SHARED mapping of a file in the
//     run directory, the classic "Memory-Mapped Files";
//   - "posixmq": blocking ping-pong over two POSIX message queues;
//   - "pipe": blocking ping-pong over two pipes;
//   - "tcp": blocking ping-pong over a TCP connection on IPv4 loopback with
//     TCP_NODELAY, set up as the tcp row is;
//   - "unix-stream": blocking ping-pong over an AF_UNIX stream socketpair,
//     as the unix-stream row.
func CReferences(t testing.TB, srcDir, dir string) []CProgram {
	t.Helper()
	build := func(src string) string { return proc.BuildC(t, dir, filepath.Join(srcDir, src)) }
	ring, flag, mq, pipe := build("ring.c"), build("flag.c"), build("mq.c"), build("pipe.c")
	tcp, unixStream := build("tcp.c"), build("unix.c")
	return []CProgram{
		{Name: "shmring", Path: ring, MaxSize: 1 << 16, Spins: true},
		{Name: "shm-classic", Path: flag, MaxSize: 1 << 16, Spins: true},
		{Name: "mmap-classic", Path: flag, MaxSize: 1 << 16, Spins: true,
			Arg: func(t testing.TB) string { return filepath.Join(proc.Dir(t), "mapped") }},
		// The largest message a queue takes by default (fs/mqueue/msgsize_max).
		{Name: "posixmq", Path: mq, MaxSize: 8192,
			Arg: func(testing.TB) string { return proc.Name() }},
		{Name: "pipe", Path: pipe, MaxSize: 1 << 16},
		{Name: "tcp", Path: tcp, MaxSize: 1 << 16},
		{Name: "unix-stream", Path: unixStream, MaxSize: 1 << 16},
	}
}

// cRun is what a C program reported of its timed rounds.
type cRun struct {
	Rounds  int
	Elapsed time.Duration // wall time of the rounds
	CPU     time.Duration // CPU time of both processes in the rounds
}

// RunC runs prog for b.N round trips of size bytes in place, and reports
// its own timing as the table does: msg/s (round trips per second), ns/op
// and cpu-ns/op, and B/s for the bytes carried both ways.
func RunC(b *testing.B, prog CProgram, place Placement, size int) {
	b.Helper()
	if size > prog.MaxSize {
		b.Skipf("%s carries at most %d bytes", prog.Name, prog.MaxSize)
	}
	if prog.Spins && place.Self == place.Peer {
		b.Skipf("%s spins: two spinners on one CPU starve each other", prog.Name)
	}
	measureC(b, prog, place, size, 2*size)
}

// measureC runs prog for b.N ops (round trips, or messages of a one-way
// program) of size bytes in place and reports its own timing under the
// table's metrics: ns/op, msg/s, cpu-ns/op of both processes, and MB/s of
// the bytesPerOp each op carries.
func measureC(b *testing.B, prog CProgram, place Placement, size, bytesPerOp int) {
	b.Helper()
	run := runC(b, prog, cArgs(b, prog, b.N, place, size))
	if run.Rounds != b.N {
		b.Fatalf("%s ran %d ops, want %d", prog.Name, run.Rounds, b.N)
	}
	secs := run.Elapsed.Seconds()
	if secs <= 0 {
		b.Fatalf("%s timed its ops at %v", prog.Name, run.Elapsed)
	}
	b.ReportMetric(float64(run.Elapsed.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(float64(b.N)/secs, "msg/s")
	b.ReportMetric(float64(run.CPU.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(bytesPerOp)*float64(b.N)/secs/1e6, "MB/s")
}

func cArgs(t testing.TB, prog CProgram, rounds int, place Placement, size int) []string {
	args := []string{strconv.Itoa(rounds), strconv.Itoa(place.Self), strconv.Itoa(place.Peer), strconv.Itoa(size)}
	if prog.Arg != nil {
		args = append(args, prog.Arg(t))
	}
	return args
}

// runC runs the program to its end, within the test's deadline, and
// parses its line.
func runC(t testing.TB, prog CProgram, args []string) cRun {
	t.Helper()
	p := proc.StartC(t, prog.Path, args...)
	line := p.Next(t)
	p.RequireExit(t, 0)
	var run cRun
	var ns, cpu int64
	if _, err := fmt.Sscanf(line, "rounds=%d ns=%d cpu-ns=%d", &run.Rounds, &ns, &cpu); err != nil {
		t.Fatalf("%s printed %q: %v", prog.Name, line, err)
	}
	run.Elapsed, run.CPU = time.Duration(ns), time.Duration(cpu)
	return run
}
