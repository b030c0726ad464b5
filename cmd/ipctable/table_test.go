package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// runTool runs the command in-process and returns what it printed.
func runTool(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

// readData parses a testdata file the way main does.
func readData(t *testing.T, path, metric string) *Data {
	t.Helper()
	var warn bytes.Buffer
	d, err := Read(&benchfmt.Files{Paths: []string{path}}, metric, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if warn.Len() > 0 {
		t.Fatalf("unexpected warnings:\n%s", warn.String())
	}
	return d
}

func render(t *testing.T, d *Data, places ...string) string {
	t.Helper()
	var b strings.Builder
	if err := Render(&b, d, Options{Format: "md", Places: places}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// rowLine returns the markdown row for label in the table of place.
func rowLine(t *testing.T, out, place, label string) string {
	t.Helper()
	_, section, ok := strings.Cut(out, "## place="+place+"\n")
	if !ok {
		t.Fatalf("no table for place=%s in:\n%s", place, out)
	}
	section, _, _ = strings.Cut(section, "## ")
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "| "+label+" |") {
			return line
		}
	}
	t.Fatalf("no row %q for place=%s in:\n%s", label, place, out)
	return ""
}

func TestGolden(t *testing.T) {
	for _, format := range []string{"md", "text"} {
		t.Run(format, func(t *testing.T) {
			out, errOut, code := runTool(t, "", "-format", format, "testdata/sample.txt")
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			golden := filepath.Join("testdata", "sample."+format+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", golden, out, want)
			}
		})
	}
}

func TestStdinMatchesFile(t *testing.T) {
	in, err := os.ReadFile("testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := runTool(t, "", "testdata/sample.txt")
	got, errOut, code := runTool(t, string(in))
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if got != want {
		t.Errorf("stdin output differs from file output\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestSortOrder(t *testing.T) {
	// At 100 B, fifo is slower than pipe on one CPU but faster across
	// two, so only a sort by value gets both right.
	want := map[string][]string{"same": {"fifo", "pipe"}, "split": {"pipe", "fifo"}}
	for _, metric := range []string{"msg/s", "ns/op"} {
		d := readData(t, "testdata/sample.txt", metric)
		for place, names := range want {
			if got := d.sortedMechs(place); !slices.Equal(got, names) {
				t.Errorf("-metric %s place=%s: order %v, want %v (slowest first)", metric, place, got, names)
			}
		}
	}

	// And the rendered table follows it.
	out := render(t, readData(t, "testdata/sample.txt", "msg/s"), "split")
	if strings.Index(out, "| pipe |") > strings.Index(out, "| fifo |") {
		t.Errorf("pipe should come before fifo at place=split:\n%s", out)
	}
}

func TestMetricIsTidied(t *testing.T) {
	d := readData(t, "testdata/sample.txt", "ns/op")
	if d.Metric != "sec/op" || d.Better != -1 {
		t.Errorf("metric %q better %d, want sec/op -1", d.Metric, d.Better)
	}
	if d := readData(t, "testdata/sample.txt", "msg/s"); d.Better != 1 {
		t.Errorf("msg/s better = %d, want 1 from the Unit line", d.Better)
	}
}

func TestRatio(t *testing.T) {
	// Medians from testdata/sample.txt, worked out by hand: pipe's six
	// samples have middle values 160,530 and 161,612; futex's 172,062.
	// 161,071 / 172,062 = 0.936.
	out := render(t, readData(t, "testdata/sample.txt", "msg/s"), "same")
	if line := rowLine(t, out, "same", "pipe"); !strings.Contains(line, "161,071 msg/s ±1.3% (0.94x futex)") {
		t.Errorf("pipe row = %q, want median 161,071 and ratio 0.94x", line)
	}

	d := &Data{
		Metric: "msg/s",
		Mechs: map[cellKey][]float64{
			{"same", "pipe", 100}:  {90, 100, 110},
			{"split", "pipe", 100}: {300},
		},
		Floors: map[cellKey][]float64{{"same", "futex", noSize}: {200}},
	}
	out = render(t, d, "same", "split")
	if line := rowLine(t, out, "same", "pipe"); !strings.Contains(line, "100 msg/s† (0.50x futex)") {
		t.Errorf("same row = %q, want 100/200 = 0.50x", line)
	}
	// No futex floor at split: no ratio rather than a bogus one.
	if line := rowLine(t, out, "split", "pipe"); strings.Contains(line, "futex") {
		t.Errorf("split row = %q, want no ratio without a futex floor", line)
	}
	// The floor itself carries no ratio.
	if line := rowLine(t, out, "same", "floor=futex"); strings.Contains(line, "x futex") {
		t.Errorf("floor row = %q, want no ratio", line)
	}
}

func TestDagger(t *testing.T) {
	five := []float64{100, 101, 102, 103, 104}
	six := []float64{100, 101, 102, 103, 104, 105}
	d := &Data{
		Metric: "msg/s",
		Mechs: map[cellKey][]float64{
			{"same", "pipe", 100}:  five,
			{"same", "pipe", 1024}: six,
		},
	}
	out := render(t, d, "same")
	// Six samples: median 102.5 (shown rounded), interval [100, 105],
	// half-width 2.5/102.5 = 2.4%.
	if want := "| pipe | 102 msg/s† | 103 msg/s ±2.4% |"; rowLine(t, out, "same", "pipe") != want {
		t.Errorf("pipe row = %q, want %q", rowLine(t, out, "same", "pipe"), want)
	}
	if !strings.Contains(out, "† fewer than 6 samples: benchstat needs >= 6 samples") {
		t.Errorf("missing † footnote:\n%s", out)
	}

	// The footnote's 6 must be benchmath's own threshold.
	if w := summarize(five).Warnings; len(w) != 1 || !strings.Contains(w[0].Error(), ">= 6 samples") {
		t.Errorf("benchmath warnings for 5 samples = %v, want a >= 6 samples warning", w)
	}

	// With enough samples everywhere, no marker and no footnote.
	delete(d.Mechs, cellKey{"same", "pipe", 100})
	if out := render(t, d, "same"); strings.Contains(out, "†") {
		t.Errorf("unexpected † with 6 samples:\n%s", out)
	}
}

func TestMalformedLinesAreSkipped(t *testing.T) {
	out, errOut, code := runTool(t, "", "testdata/malformed.txt")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	for _, want := range []string{
		// benchfmt's syntax errors, with position.
		"testdata/malformed.txt:8: parsing iteration count: invalid syntax\n",
		"testdata/malformed.txt:9: parsing measurement: invalid syntax\n",
		"testdata/malformed.txt:10: missing units\n",
		// Well-formed lines whose names do not fit the suite's scheme.
		`testdata/malformed.txt:11: skipping Table/mech=pipe/place=same/size=abc-8: bad size "abc"`,
		"testdata/malformed.txt:12: skipping Table/mech=fifo/size=100-8:",
		"testdata/malformed.txt:13: skipping Floor/floor=futex-8:",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q; got:\n%s", want, errOut)
		}
	}
	if n := strings.Count(errOut, "\n"); n != 6 {
		t.Errorf("got %d warnings, want 6:\n%s", n, errOut)
	}
	// The good lines still make a table.
	if line := rowLine(t, out, "same", "pipe"); line != "| pipe | 161,612 msg/s† (0.92x futex) |" {
		t.Errorf("pipe row = %q", line)
	}
	if line := rowLine(t, out, "same", "fifo"); line != "| fifo | 158,380 msg/s† (0.90x futex) |" {
		t.Errorf("fifo row = %q", line)
	}
	if strings.Contains(out, "place=split") {
		t.Errorf("no split results were given, yet a split table appeared:\n%s", out)
	}
}

func TestPlaceFlag(t *testing.T) {
	out, _, code := runTool(t, "", "-place", "split", "testdata/sample.txt")
	if code != 0 || strings.Contains(out, "place=same") || !strings.Contains(out, "## place=split") {
		t.Errorf("-place split: exit %d, output:\n%s", code, out)
	}
	// memcpy has no placement, but it alone must not conjure a table.
	if _, errOut, code := runTool(t, "", "-place", "nosuch", "testdata/sample.txt"); code != 1 || !strings.Contains(errOut, "no msg/s results for place nosuch") {
		t.Errorf("-place nosuch: exit %d, stderr:\n%s", code, errOut)
	}
	_, errOut, code := runTool(t, "", "-place", "split", "testdata/malformed.txt")
	if code != 1 || !strings.Contains(errOut, "no msg/s results for place split") {
		t.Errorf("-place split on same-only input: exit %d, stderr:\n%s", code, errOut)
	}
}

func TestFlags(t *testing.T) {
	if _, errOut, code := runTool(t, "", "-h"); code != 0 || !strings.Contains(errOut, "usage: ipctable") {
		t.Errorf("-h: exit %d, stderr:\n%s", code, errOut)
	}
	for _, args := range [][]string{{"-format", "html"}, {"-place", ","}, {"-nosuch"}} {
		if _, _, code := runTool(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestSizeLabel(t *testing.T) {
	for n, want := range map[int]string{
		100: "100 B", 1000: "1000 B", 1024: "1 KB", 1536: "1536 B",
		4096: "4 KB", 1 << 20: "1 MB", 3 << 20: "3 MB",
	} {
		if got := sizeLabel(n); got != want {
			t.Errorf("sizeLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0", 999: "999", 1000: "1,000", 162441: "162,441",
		11150329: "11,150,329", -1234: "-1,234",
	} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	for _, c := range []struct {
		v    float64
		unit string
		want string
	}{
		{162441.4, "msg/s", "162,441 msg/s"},
		{6.208e-6, "sec/op", "6.208µ sec/op"},
		{8880000, "B/s", "8.469Mi B/s"},
	} {
		if got := formatValue(c.v, c.unit); got != c.want {
			t.Errorf("formatValue(%g, %q) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}
