package zerocopy

import (
	"cmp"
	"flag"
	"fmt"
	"slices"
	"strings"
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

// printMoveUnits tells benchstat, when benchmarks run, which way the CPU
// metrics are better.
func printMoveUnits() {
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		return
	}
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
	var results []moveResult
	for _, m := range movers {
		for _, v := range vias {
			for _, c := range moveChunks {
				r := moveResult{how: m, via: v.name, chunk: c.name}
				b.Run(fmt.Sprintf("how=%s/via=%s/chunk=%s", m.name, v.name, c.name), func(b *testing.B) {
					r.rate, r.senderCPU = benchMove(b, m, v, file, c.size)
				})
				if r.rate > 0 { // it ran: -bench may leave it out
					results = append(results, r)
				}
			}
		}
	}
	printRanking(results)
}

// A moveResult is one sub-benchmark's outcome: bytes per second and the
// sender's CPU time per byte.
type moveResult struct {
	how             mover
	via, chunk      string
	rate, senderCPU float64
}

// printRanking prints, for each socket and chunk size, the movers ranked
// by the sender's CPU time per byte and by throughput, each with the
// seed's copy count, and whether the CPU ranking follows the copy counts
// (fewer copies, less CPU). The lines are not benchmark results: benchstat
// skips them.
func printRanking(results []moveResult) {
	groups := map[string][]moveResult{}
	var order []string
	for _, r := range results {
		key := "via=" + r.via + " chunk=" + r.chunk
		if groups[key] == nil {
			order = append(order, key)
		}
		groups[key] = append(groups[key], r)
	}
	for _, key := range order {
		g := groups[key]
		if len(g) < 2 {
			continue
		}
		byCPU := slices.Clone(g)
		slices.SortStableFunc(byCPU, func(a, b moveResult) int { return cmp.Compare(a.senderCPU, b.senderCPU) })
		byRate := slices.Clone(g)
		slices.SortStableFunc(byRate, func(a, b moveResult) int { return cmp.Compare(b.rate, a.rate) })
		follows := slices.IsSortedFunc(byCPU, func(a, b moveResult) int { return cmp.Compare(a.how.copies, b.how.copies) })
		verdict := "follows the seed's copy counts"
		if !follows {
			verdict = "does not follow the seed's copy counts"
		}
		fmt.Printf("zero-copy ranking %s, least sender CPU per byte first (%s): %s\n", key, verdict, rankList(byCPU, " < ", func(r moveResult) string { return fmt.Sprintf("%.3f ns/B", r.senderCPU) }))
		fmt.Printf("zero-copy ranking %s, fastest first: %s\n", key, rankList(byRate, " > ", func(r moveResult) string { return fmt.Sprintf("%.0f MB/s", r.rate/1e6) }))
	}
}

// rankList renders movers in order, each with its copy count and figure,
// joined by sep.
func rankList(rs []moveResult, sep string, figure func(moveResult) string) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%s (%d copies, %s)", r.how.name, r.how.copies, figure(r)))
	}
	return strings.Join(parts, sep)
}

// benchMove runs one sub-benchmark and returns its bytes per second and
// the sender's CPU time per byte.
func benchMove(b *testing.B, m mover, v via, file, chunk int) (rate, senderCPU float64) {
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
	return bytes / b.Elapsed().Seconds(), float64(sender) / bytes
}
