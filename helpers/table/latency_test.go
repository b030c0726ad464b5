package table

import (
	"errors"
	"flag"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sys/unix"
)

// metrics collects what reportLatency reports.
type metrics map[string]float64

func (m metrics) ReportMetric(n float64, unit string) { m[unit] = n }

func reported(t *testing.T, values []int64) metrics {
	t.Helper()
	hist := newLatencyHistogram()
	for _, v := range values {
		if err := hist.RecordValue(v); err != nil {
			t.Fatalf("record %d: %v", v, err)
		}
	}
	m := metrics{}
	reportLatency(m, hist)
	return m
}

func TestLatencyPercentiles(t *testing.T) {
	t.Run("each percentile is the round trip at its rank", func(t *testing.T) {
		// Values this small are kept apart to the nanosecond.
		var values []int64
		for v := int64(1000); v >= 1; v-- {
			values = append(values, v)
		}
		want := metrics{"p50-ns": 500, "p90-ns": 900, "p99-ns": 990, "p99.9-ns": 999, "max-ns": 1000}
		if got := reported(t, values); !maps.Equal(got, want) {
			t.Errorf("1..1000 ns: got %v, want %v", got, want)
		}
	})
	t.Run("one stall in a thousand is the max, not the 99.9th percentile", func(t *testing.T) {
		values := slices.Repeat([]int64{150}, 999)
		values = append(values, int64(3*time.Millisecond))
		got := reported(t, values)
		for _, unit := range []string{"p50-ns", "p90-ns", "p99-ns", "p99.9-ns"} {
			if got[unit] != 150 {
				t.Errorf("%s = %v, want 150", unit, got[unit])
			}
		}
		if stall := float64(3 * time.Millisecond); got["max-ns"] < stall || got["max-ns"] > stall*1.001 {
			t.Errorf("max-ns = %v, want %v to a thousandth", got["max-ns"], stall)
		}
	})
	t.Run("every percentile is within a thousandth above the exact order statistic", func(t *testing.T) {
		seed := rand.Uint64()
		rng := rand.New(rand.NewPCG(seed, seed))
		// So many round trips that each percentile falls on a whole rank,
		// spread log-uniformly over five decades.
		values := make([]int64, 10_000)
		for i := range values {
			values[i] = int64(math.Exp(math.Log(100) + rng.Float64()*math.Log(1e5)))
		}
		got := reported(t, values)
		sorted := slices.Sorted(slices.Values(values))
		for _, m := range latencyMetrics {
			exact := float64(sorted[int(math.Round(m.percentile/100*float64(len(sorted))))-1])
			if got[m.unit] < exact || got[m.unit] > exact*1.001 {
				t.Errorf("seed %d: %s = %v, want %v to a thousandth above", seed, m.unit, got[m.unit], exact)
			}
		}
	})
	t.Run("no round trip, no metric", func(t *testing.T) {
		if got := reported(t, nil); len(got) != 0 {
			t.Errorf("an empty histogram reported %v", got)
		}
	})
}

// rounds returns a more function that allows n round trips.
func rounds(n int) func() bool {
	return func() bool { n--; return n >= 0 }
}

// inPlace echoes a message through a buffer of its own, allocating
// nothing.
type inPlace struct{ buf [64]byte }

func (e *inPlace) Send(p []byte) error { copy(e.buf[:], p); return nil }
func (e *inPlace) Recv(p []byte) error { copy(p, e.buf[:]); return nil }
func (e *inPlace) Close() error        { return nil }

// brokenSend fails every Send as a transport whose reader has gone does.
type brokenSend struct{ inPlace }

func (brokenSend) Send([]byte) error { return unix.EPIPE }

// slowEcho takes at least a millisecond per round trip, spinning on the
// clock.
type slowEcho struct{ inPlace }

func (e *slowEcho) Recv(p []byte) error {
	for start := time.Now(); time.Since(start) < time.Millisecond; {
	}
	return e.inPlace.Recv(p)
}

func TestTimeRoundTrips(t *testing.T) {
	msg := make([]byte, 64)
	t.Run("every round trip is recorded", func(t *testing.T) {
		hist := newLatencyHistogram()
		if err := timeRoundTrips(&faultyLoopback{}, msg, hist, rounds(500)); err != nil {
			t.Fatalf("a sound loopback: %v", err)
		}
		if n := hist.TotalCount(); n != 500 {
			t.Errorf("recorded %d round trips of 500", n)
		}
	})
	for _, fault := range []string{"truncate", "drop"} {
		t.Run("a loopback that fails to "+fault+" a message fails in recv", func(t *testing.T) {
			hist := newLatencyHistogram()
			err := timeRoundTrips(&faultyLoopback{size: len(msg), fault: fault}, msg, hist, rounds(500))
			if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.HasPrefix(err.Error(), "recv: ") {
				t.Errorf("got %v, want recv: %v", err, io.ErrUnexpectedEOF)
			}
			if n := hist.TotalCount(); n != 0 {
				t.Errorf("recorded %d round trips that failed", n)
			}
		})
	}
	t.Run("a failed send fails, naming its errno", func(t *testing.T) {
		err := timeRoundTrips(&brokenSend{}, msg, newLatencyHistogram(), rounds(1))
		if !errors.Is(err, unix.EPIPE) || err.Error() != "send: EPIPE" {
			t.Errorf("got %v, want send: EPIPE", err)
		}
	})
	t.Run("a round trip beyond the histogram fails rather than vanishes", func(t *testing.T) {
		small := hdrhistogram.New(1, int64(100*time.Microsecond), latencyDigits)
		if err := timeRoundTrips(&slowEcho{}, msg, small, rounds(1)); err == nil {
			t.Errorf("a millisecond round trip in a histogram up to %d ns: no error", small.HighestTrackableValue())
		}
	})
	t.Run("the timed loop allocates nothing", func(t *testing.T) {
		hist, ep := newLatencyHistogram(), &inPlace{}
		allocs := testing.AllocsPerRun(100, func() {
			if err := timeRoundTrips(ep, msg, hist, rounds(100)); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v allocations per 100 round trips", allocs)
		}
	})
}

// benchmarkRow runs latencyRow over ep as a benchmark of 200 round trips.
func benchmarkRow(t *testing.T, ep Endpoint, size int) testing.BenchmarkResult {
	benchtime := flag.Lookup("test.benchtime")
	old := benchtime.Value.String()
	if err := benchtime.Value.Set("200x"); err != nil {
		t.Fatal(err)
	}
	defer benchtime.Value.Set(old)
	return testing.Benchmark(func(b *testing.B) { latencyRow(b, ep, make([]byte, size)) })
}

func TestLatencyRow(t *testing.T) {
	t.Run("a sound transport's row carries the five latency metrics", func(t *testing.T) {
		r := benchmarkRow(t, &faultyLoopback{}, 100)
		if r.N != 200 {
			t.Fatalf("the row ran %d round trips, want 200", r.N)
		}
		var units []string
		for _, m := range latencyMetrics {
			units = append(units, m.unit)
			if v, ok := r.Extra[m.unit]; !ok || v <= 0 {
				t.Errorf("%s: %v, %v", m.unit, v, ok)
			}
		}
		if want := []string{"p50-ns", "p90-ns", "p99-ns", "p99.9-ns", "max-ns"}; !slices.Equal(units, want) {
			t.Errorf("metrics %q, want %q", units, want)
		}
		for i := 1; i < len(latencyMetrics); i++ {
			lo, hi := latencyMetrics[i-1].unit, latencyMetrics[i].unit
			if r.Extra[lo] > r.Extra[hi] {
				t.Errorf("%s %v above %s %v", lo, r.Extra[lo], hi, r.Extra[hi])
			}
		}
	})
	for _, fault := range []string{"truncate", "drop"} {
		t.Run("a transport that fails to "+fault+" fails the row", func(t *testing.T) {
			r := benchmarkRow(t, &faultyLoopback{size: 100, fault: fault}, 100)
			if r.N != 0 || len(r.Extra) != 0 {
				t.Errorf("the row passed with %d round trips and %v", r.N, r.Extra)
			}
		})
	}
}
