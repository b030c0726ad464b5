package table

import (
	"fmt"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Latency times each round trip of the ping-pong that PingPong measures,
// over the same transport, placement, size, peer and warm-up, and reports
// the distribution of the round trips as percentiles in nanoseconds
// (latencyMetrics). The throughput rows read no clock; these rows read
// it twice per round trip.
func Latency(b *testing.B, tr Transport, size int, place Placement) {
	ep, _, msg, release := startPingPong(b, tr, size, place)
	defer release()
	latencyRow(b, ep, msg)
}

// latencyRow times round trips of msg through ep for as long as the
// benchmark runs and reports their percentiles. A failed round trip fails
// the row.
func latencyRow(b *testing.B, ep Endpoint, msg []byte) {
	hist := newLatencyHistogram()
	b.ReportAllocs()
	if err := timeRoundTrips(ep, msg, hist, b.Loop); err != nil {
		b.Fatal(err)
	}
	reportLatency(b, hist)
}

// The histogram reaches far beyond any round trip short of a hang (a
// longer one fails the row), to three significant digits: a value is
// reported as the highest of its bucket, at most a thousandth above what
// was measured.
const (
	latencyLowest  = 1
	latencyHighest = int64(time.Minute)
	latencyDigits  = 3
)

func newLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(latencyLowest, latencyHighest, latencyDigits)
}

// timeRoundTrips sends msg through ep and receives its echo for as long
// as more says, recording the duration of each round trip in hist. It
// returns at the first failure, which a broken transport's Recv reports
// rather than blocking (the contract's PeerDies), and allocates nothing.
//
// Each round trip lies between two readings of the monotonic clock, taken
// as time.Since of a fixed start: that is one vDSO CLOCK_MONOTONIC read
// each (time.Now would add a read of the wall clock), needs no linkname
// into the runtime, and is Go's documented clock. Recording happens after
// the second reading, outside the interval.
func timeRoundTrips(ep Endpoint, msg []byte, hist *hdrhistogram.Histogram, more func() bool) error {
	base := time.Now()
	for more() {
		start := time.Since(base)
		if err := ep.Send(msg); err != nil {
			return callError{"send", err}
		}
		if err := ep.Recv(msg); err != nil {
			return callError{"recv", err}
		}
		took := time.Since(base) - start
		if err := hist.RecordValue(int64(took)); err != nil {
			return fmt.Errorf("a round trip of %v is beyond the latency histogram: %w", took, err)
		}
	}
	return nil
}

// A callError is a failed call of a round trip, printed with its errno's
// name.
type callError struct {
	call string
	err  error
}

func (e callError) Error() string { return e.call + ": " + sys.ErrnoName(e.err) }
func (e callError) Unwrap() error { return e.err }

// latencyMetrics are the metrics of a latency row: the round trip time
// that the given percentage of round trips did not exceed, in ns. max-ns
// is the slowest round trip.
var latencyMetrics = []struct {
	unit       string
	percentile float64
}{
	{"p50-ns", 50},
	{"p90-ns", 90},
	{"p99-ns", 99},
	{"p99.9-ns", 99.9},
	{"max-ns", 100},
}

// A metricReporter takes benchmark metrics, as testing.B does.
type metricReporter interface {
	ReportMetric(n float64, unit string)
}

// reportLatency reports hist's percentiles as latencyMetrics; nothing if
// it holds no round trip.
func reportLatency(r metricReporter, hist *hdrhistogram.Histogram) {
	if hist.TotalCount() == 0 {
		return
	}
	for _, m := range latencyMetrics {
		r.ReportMetric(float64(hist.ValueAtPercentile(m.percentile)), m.unit)
	}
}

// benchClock measures one reading of the monotonic clock as
// timeRoundTrips takes it, on the CPU where the latency rows of place
// read it: each latency figure contains about one such reading.
func benchClock(b *testing.B, place Placement) {
	unpin, err := sys.Pin(place.Self)
	if err != nil {
		b.Fatal(err)
	}
	defer unpin()
	base := time.Now()
	var last time.Duration
	for b.Loop() {
		last = time.Since(base)
	}
	if last <= 0 {
		b.Fatalf("the monotonic clock did not advance: %v", last)
	}
}
