package zerocopy

import (
	"fmt"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// moveSize is the file the benchmark moves; one iteration moves all of it.
const moveSize = 64 << 20

// moveChunks are the sizes of the sender's calls.
var moveChunks = []struct {
	name string
	size int
}{{"64KiB", 64 << 10}, {"1MiB", 1 << 20}}

func init() { proc.BeforeTests(printMoveUnits) }

// printMoveUnits tells benchstat which way the CPU metrics are better.
func printMoveUnits() {
	fmt.Println("Unit sender-cpu-ns/B better=lower")
	fmt.Println("Unit peer-cpu-ns/B better=lower")
}

// BenchmarkMove moves a file of moveSize bytes, written in the run's
// directory and read once so that it is in the page cache, to a peer
// process over a unix stream socket and over TCP loopback, with each
// mover and chunk size. One iteration is the whole file, acknowledged by
// the peer once it has read it all. Besides B/s it reports the CPU time
// per byte moved, user and system, from getrusage: sender-cpu-ns/B for
// the test process, all of its threads (the sender), and peer-cpu-ns/B
// for the receiving peer. The processes are not pinned.
func BenchmarkMove(b *testing.B) {
	file := dataFile(b, moveSize)
	warm := make([]byte, 1<<20)
	for off := 0; off < moveSize; off += len(warm) {
		if err := sys.ReadFull(file, warm); err != nil {
			b.Fatalf("read the file into the page cache: %s", sys.ErrnoName(err))
		}
	}
	for _, m := range movers {
		for _, v := range vias {
			for _, c := range moveChunks {
				b.Run(fmt.Sprintf("how=%s/via=%s/chunk=%s", m.name, v.name, c.name), func(b *testing.B) {
					benchMove(b, m, v, file, c.size)
				})
			}
		}
	}
}

func benchMove(b *testing.B, m mover, v via, file, chunk int) {
	s := startSink(b, v, moveSize, false)
	move := m.make(b, file, s.sock, moveSize, chunk)
	b.SetBytes(moveSize)
	b.ReportAllocs()
	start := cpuNanos()
	for b.Loop() {
		if err := move(); err != nil {
			b.Fatalf("%s: %s", m.name, sys.ErrnoName(err))
		}
		if err := s.awaitAck(); err != nil {
			b.Fatalf("acknowledgement: %s", sys.ErrnoName(err))
		}
	}
	sender := cpuNanos() - start
	peer := s.finish(b, b.N)
	bytes := float64(b.N) * moveSize
	b.ReportMetric(float64(sender)/bytes, "sender-cpu-ns/B")
	b.ReportMetric(float64(peer.Nanoseconds())/bytes, "peer-cpu-ns/B")
}
