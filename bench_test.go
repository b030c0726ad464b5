package ipcsuite_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// BenchmarkTable rebuilds the classic IPC throughput table: a ping-pong
// round trip between two processes per op, for every registered transport,
// placement and size. Names are keyed so that
//
//	go tool benchstat -row /mech -col /size -filter .unit:msg/s
//
// prints mechanism by size. Sizes other than the classic 100 B and 1 KB:
// -ipc.sizes=64,4096,65536.
func BenchmarkTable(b *testing.B) { eachRow(b, table.PingPong) }

// BenchmarkLatency times every round trip of BenchmarkTable's rows, with
// the same transports, placements, sizes and names, and reports their
// distribution: p50-ns, p90-ns, p99-ns, p99.9-ns and max-ns. Each figure
// contains one reading of the clock, which BenchmarkFloor measures as
// floor=clock.
//
//	go tool benchstat -row /mech -col /size -filter .unit:p99-ns
func BenchmarkLatency(b *testing.B) { eachRow(b, table.Latency) }

// eachRow runs measure as a sub-benchmark named mech=NAME/place=P/size=S
// for every registered transport, placement and size.
func eachRow(b *testing.B, measure func(*testing.B, table.Transport, int, table.Placement)) {
	for _, tr := range table.Transports() {
		for _, place := range table.Placements() {
			for _, size := range table.Sizes() {
				name := fmt.Sprintf("mech=%s/place=%s/size=%d", tr.Name, place.Name, size)
				b.Run(name, func(b *testing.B) { measure(b, tr, size, place) })
			}
		}
	}
}

// BenchmarkFloor measures the baselines every row is quoted against.
func BenchmarkFloor(b *testing.B) { table.Floors(b) }

// BenchmarkStream measures one-way streaming, messages per second and
// bytes per second, over every transport that streams, beside the memcpy
// floor of each size and the same ring in C. Sizes: -ipc.streamsizes.
func BenchmarkStream(b *testing.B) { table.Streams(b, filepath.Join("testdata", "cref")) }

// BenchmarkCReference measures the C programs of testdata/cref, plain C
// ping-pongs that the rows are compared with (table.CReferences), in the
// same run and placements and under the same metrics. Each program times
// its own rounds.
func BenchmarkCReference(b *testing.B) {
	for _, prog := range table.CReferences(b, filepath.Join("testdata", "cref"), b.TempDir()) {
		for _, place := range table.Placements() {
			for _, size := range table.Sizes() {
				name := fmt.Sprintf("prog=%s/place=%s/size=%d", prog.Name, place.Name, size)
				b.Run(name, func(b *testing.B) { table.RunC(b, prog, place, size) })
			}
		}
	}
}
