package main

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFailureLines(t *testing.T) {
	cases := []struct {
		name, input string
		want        []Failure
	}{
		{"a sample that fails in the first short run is reported once",
			"--- FAIL: BenchmarkTable/mech=pipe/place=split/size=100\n    bench.go:49: recv: EOF\n",
			[]Failure{{Bench: "Table", Name: "BenchmarkTable/mech=pipe/place=split/size=100", Reason: "bench.go:49: recv: EOF", Line: 1}}},
		{"a sample that fails in a timed run is reported twice and counted once",
			"BenchmarkTable/mech=x/place=split/size=100-2 \t--- FAIL: BenchmarkTable/mech=x/place=split/size=100\n    bench.go:49: recv: EOF\n--- FAIL: BenchmarkTable/mech=x/place=split/size=100-2\n    bench.go:49: recv: EOF\n",
			[]Failure{{Bench: "Table", Name: "BenchmarkTable/mech=x/place=split/size=100", Reason: "bench.go:49: recv: EOF", Line: 1}}},
		{"without a GOMAXPROCS suffix the two reports of a sample are still one",
			"BenchmarkTable/mech=x/place=split/size=100 \t--- FAIL: BenchmarkTable/mech=x/place=split/size=100\n    a\n--- FAIL: BenchmarkTable/mech=x/place=split/size=100\n    a\n",
			[]Failure{{Bench: "Table", Name: "BenchmarkTable/mech=x/place=split/size=100", Reason: "a", Line: 1}}},
		{"two failed samples of one row are two",
			"--- FAIL: BenchmarkLatency/mech=x/place=same/size=1\n    a\nBenchmarkLatency/mech=x/place=same/size=1-2 \t--- FAIL: BenchmarkLatency/mech=x/place=same/size=1\n    b\n--- FAIL: BenchmarkLatency/mech=x/place=same/size=1-2\n    b\n",
			[]Failure{
				{Bench: "Latency", Name: "BenchmarkLatency/mech=x/place=same/size=1", Reason: "a", Line: 1},
				{Bench: "Latency", Name: "BenchmarkLatency/mech=x/place=same/size=1", Reason: "b", Line: 3}}},
		{"the parent of a failed row is no row",
			"--- FAIL: BenchmarkTable\nFAIL\n", nil},
		{"a failure at the end of the output keeps its row without a reason",
			"--- FAIL: BenchmarkFloor/floor=futex/place=same", []Failure{{Bench: "Floor", Name: "BenchmarkFloor/floor=futex/place=same", Line: 1}}},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			got := scanFailures([]byte(c.input))
			if !slices.Equal(got, c.want) {
				t.Errorf("scanFailures:\ngot  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// testdata/failed.txt is a run in which the peer of a pipe row and then
// of a spinning sysvshm row were killed by SIGKILL mid-row: the pipe row
// failed in its first run, the sysvshm-spin row in its second sample.
func TestFailedRowsAreMarked(t *testing.T) {
	out, errOut, code := runTool(t, "", "testdata/failed.txt")
	if code != 0 {
		t.Fatalf("exit %d, want 0 with the failed rows marked: %s", code, errOut)
	}
	if got := mdRow(t, out, "split", "pipe")[2]; got != "FAILED: bench.go:49: recv: EOF" {
		t.Errorf("pipe at place=split: %q, want the failure and its reason", got)
	}
	if got := mdRow(t, out, "split", "sysvshm-spin")[2]; got != "8,481,710† (1 FAILED)" {
		t.Errorf("sysvshm-spin at place=split: %q, want its one sample and one failure", got)
	}
	for _, want := range []string{
		"- FAILED BenchmarkTable/mech=pipe/place=split/size=100: 1 sample(s): bench.go:49: recv: EOF\n",
		"- FAILED BenchmarkTable/mech=sysvshm-spin/place=split/size=100: 1 sample(s): bench.go:49: recv: EOF\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no line %q under the table:\n%s", want, out)
		}
	}
	csv, _, _ := runTool(t, "", "-format", "csv", "testdata/failed.txt")
	if !strings.Contains(csv, "split,Pipes,pipe,100,0,,,,,,,,,,,,,1,0,bench.go:49: recv: EOF\n") {
		t.Errorf("CSV has no line of the failed pipe row:\n%s", csv)
	}
}

func TestProgress(t *testing.T) {
	const input = "testdata/passes.txt"
	data := readTestdata(t, input)
	var raw, progress strings.Builder
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(10 * time.Second); return now }
	if err := followProgress(strings.NewReader(data), &raw, &progress, 2, clock); err != nil {
		t.Fatal(err)
	}
	if raw.String() != data {
		t.Errorf("the raw output is not the input, byte for byte")
	}
	want := []string{
		"[0:10 pass 1/2, first pass] BenchmarkLatency/mech=posixshm-futex/place=split/size=100 31951 p50-ns",
		"[0:20 pass 1/2, first pass] BenchmarkLatency/mech=posixshm-futex/place=split/size=1024 32223 p50-ns",
		"[0:30 pass 1/2, first pass] BenchmarkLatency/mech=posixshm-spin/place=split/size=100 140.0 p50-ns",
		"[0:40 pass 1/2, first pass] BenchmarkLatency/mech=posixshm-spin/place=split/size=1024 180.0 p50-ns",
		"[0:50 pass 2/2, row 5 of 8, about 0:30 left] BenchmarkLatency/mech=posixshm-futex/place=split/size=100 33183 p50-ns",
		"[1:00 pass 2/2, row 6 of 8, about 0:20 left] BenchmarkLatency/mech=posixshm-futex/place=split/size=1024 32511 p50-ns",
		"[1:10 pass 2/2, row 7 of 8, about 0:10 left] BenchmarkLatency/mech=posixshm-spin/place=split/size=100 FAILED: latency.go:31: recv: EOF",
		"[1:20 pass 2/2, row 8 of 8, about 0:00 left] BenchmarkLatency/mech=posixshm-spin/place=split/size=1024 180.0 p50-ns",
	}
	got := strings.Split(strings.TrimSuffix(progress.String(), "\n"), "\n")
	if !slices.Equal(got, want) {
		t.Errorf("progress:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestProgressFlags(t *testing.T) {
	for _, args := range [][]string{{"-progress"}, {"-progress", "-tee", "x", "-passes", "0"}} {
		if _, _, code := runTool(t, "", args...); code != 2 {
			t.Errorf("ipctable %s: exit %d, want 2", strings.Join(args, " "), code)
		}
	}
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The clock floor is timed per op, not per round trip: it is no error,
// and the table says what a clock reading costs.
func TestClockFloor(t *testing.T) {
	in := readTestdata(t, "testdata/latency.txt") +
		"BenchmarkFloor/floor=clock/place=same-2   \t10367835\t        23.20 ns/op\n" +
		"BenchmarkFloor/floor=clock/place=same-2   \t10367835\t        24.80 ns/op\n"
	out, errOut, code := runTool(t, in, "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "- clock floor at place=same: 24.00ns per op (in every latency figure)\n"; !strings.Contains(out, want) {
		t.Errorf("no line %q under the table:\n%s", want, out)
	}
}
