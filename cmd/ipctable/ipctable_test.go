package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// runTool runs the command in-process and returns what it printed.
func runTool(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Errorf("output differs from %s at line %d (go test -update rewrites it)\ngot:  %s\nwant: %s", path, i+1, g[i], w[i])
				return
			}
		}
		t.Errorf("output differs from %s in length: %d lines, want %d (go test -update rewrites it)", path, len(g), len(w))
	}
}

// mdRow returns the markdown row of transport (or row label) in the
// table of place.
func mdRow(t *testing.T, out, place, label string) []string {
	t.Helper()
	_, section, ok := strings.Cut(out, "## place="+place+"\n")
	if !ok {
		t.Fatalf("no table for place=%s in:\n%s", place, out)
	}
	section, _, _ = strings.Cut(section, "\n- ")
	var found []string
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		// A transport's own sub-row wins over its group's row.
		if len(cells) > 2 && cells[0] == "↳" && cells[1] == label {
			return cells
		}
		if len(cells) > 2 && found == nil && (cells[0] == label || cells[1] == label) {
			found = cells
		}
	}
	if found != nil {
		return found
	}
	t.Fatalf("no row %q at place=%s in:\n%s", label, place, out)
	return nil
}

func TestFormatsOfARealRun(t *testing.T) {
	for _, format := range []string{"md", "csv", "json"} {
		t.Run(format, func(t *testing.T) {
			out, errOut, code := runTool(t, "", "-format", format, "testdata/run.txt")
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			golden(t, "run."+format+".golden", out)
		})
	}
}

func TestSeedRowsInSeedOrder(t *testing.T) {
	out, _, code := runTool(t, "", "testdata/run.txt")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	_, table, _ := strings.Cut(out, "## place=split\n")
	last := -1
	for _, sr := range seedRows {
		i := strings.Index(table, "\n| "+sr.Name+" |")
		if i < 0 {
			t.Fatalf("seed row %q missing:\n%s", sr.Name, table)
		}
		if i < last {
			t.Errorf("seed row %q out of the seed's order", sr.Name)
		}
		last = i
	}
	if i := strings.Index(table, "\n| *"+otherRows+"* |"); i < last {
		t.Errorf("the other rows should follow the seed's rows:\n%s", table)
	}
}

func TestTransportsLandInTheirRows(t *testing.T) {
	// Names of transports that do not exist yet land by their family.
	got := map[string]string{}
	for _, g := range groups([]string{"signals-rt", "zmq-tcp", "zmq-ipc", "pipe", "pipe2-x", "sysvmsg", "posixmq", "unix-stream", "udp", "tcp"}) {
		for _, tr := range g.Transports {
			got[tr] = g.Row
		}
	}
	for tr, row := range map[string]string{
		"signals-rt": "Unix Signals", "zmq-tcp": "ZeroMQ (TCP)", "zmq-ipc": "ZeroMQ (TCP)",
		"pipe": "Pipes", "sysvmsg": "Message Queues", "posixmq": "Message Queues",
		"unix-stream": "Domain sockets", "tcp": "Internet sockets (TCP)",
		"udp": otherRows, "pipe2-x": otherRows,
	} {
		t.Run(tr, func(t *testing.T) {
			if got[tr] != row {
				t.Errorf("%s landed in %q, want %q", tr, got[tr], row)
			}
		})
	}
}

func TestRowsOfTheRun(t *testing.T) {
	out, _, _ := runTool(t, "", "testdata/run.txt")
	t.Run("absent row is not measured", func(t *testing.T) {
		if r := mdRow(t, out, "same", "ZeroMQ (TCP)"); r[2] != "not measured in this run" {
			t.Errorf("ZeroMQ row = %q", r)
		}
	})
	t.Run("one transport fills its seed row", func(t *testing.T) {
		if r := mdRow(t, out, "same", "Pipes"); r[1] != "pipe" || !strings.Contains(r[4], "futex") {
			t.Errorf("Pipes row = %q", r)
		}
	})
	t.Run("variants are sub-rows named after their transports", func(t *testing.T) {
		if r := mdRow(t, out, "split", "Shared Memory"); !strings.Contains(r[1], "sysvshm-spin") || r[2] != "" {
			t.Errorf("Shared Memory row = %q", r)
		}
		if r := mdRow(t, out, "split", "sysvshm-spin"); r[0] != "↳" {
			t.Errorf("sysvshm-spin row = %q", r)
		}
	})
	t.Run("spinning row is bound by the cache line", func(t *testing.T) {
		if r := mdRow(t, out, "split", "sysvshm-spin"); !strings.HasSuffix(r[4], "× cache line") {
			t.Errorf("sysvshm-spin floor = %q", r[4])
		}
		if r := mdRow(t, out, "split", "sysvshm-futex"); !strings.HasSuffix(r[4], "× futex") {
			t.Errorf("sysvshm-futex floor = %q", r[4])
		}
	})
	t.Run("spinning row on one CPU says so", func(t *testing.T) {
		if r := mdRow(t, out, "same", "mmap-spin"); r[2] != "not measured at place=same" {
			t.Errorf("mmap-spin at same = %q", r)
		}
	})
	t.Run("row of no seed row follows", func(t *testing.T) {
		if r := mdRow(t, out, "same", "udp"); r[5] != "-" {
			t.Errorf("udp has a seed ratio: %q", r)
		}
	})
	t.Run("footer names the machine and the seed's", func(t *testing.T) {
		for _, want := range []string{"- cpu: AMD EPYC\n", "- kernel: 6.18.", "- place-split: ", "Intel(R) Core(TM) i5-4590S", "the seed's row replies by signal"} {
			if !strings.Contains(out, want) {
				t.Errorf("no %q in:\n%s", want, out)
			}
		}
	})
}

func TestCellFigures(t *testing.T) {
	// sample.txt: pipe's six samples at same/100 have the middle values
	// 160,530 and 161,612, so the median is 161,071; futex's is 172,062;
	// the seed's Pipes figure is 162,441.
	out, errOut, code := runTool(t, "", "testdata/sample.txt")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := mdRow(t, out, "same", "Pipes")
	t.Run("median and interval", func(t *testing.T) {
		if !strings.HasPrefix(r[2], "161,071 ±") {
			t.Errorf("rate = %q", r[2])
		}
	})
	t.Run("ratio to the futex floor", func(t *testing.T) {
		if r[4] != "0.94× futex" {
			t.Errorf("floor ratio = %q, want 161,071/172,062", r[4])
		}
	})
	t.Run("ratio to the seed", func(t *testing.T) {
		if r[5] != "0.99×" {
			t.Errorf("seed ratio = %q, want 161,071/162,441", r[5])
		}
	})
	t.Run("too few samples get a dagger", func(t *testing.T) {
		if r := mdRow(t, out, "split", "Pipes"); r[6] != "83,387†" || !strings.Contains(out, "† fewer than 6 samples") {
			t.Errorf("1 KB at split = %q", r[6])
		}
	})
	t.Run("spin by name without a configuration line", func(t *testing.T) {
		run, err := Read("x", []byte("Unit msg/s better=higher\nBenchmarkTable/mech=a-spin/place=split/size=1 1 1 msg/s\n"))
		if err != nil {
			t.Fatal(err)
		}
		if !run.spins("a-spin") || run.spins("a-futex") {
			t.Errorf("spins(a-spin) = %v, spins(a-futex) = %v", run.spins("a-spin"), run.spins("a-futex"))
		}
	})
}

func TestLatencyColumns(t *testing.T) {
	out, _, code := runTool(t, "", "testdata/latency.txt")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	r := mdRow(t, out, "same", "Pipes")
	t.Run("p50 and p99 when measured", func(t *testing.T) {
		if r[3] != "4.800µs / 9.100µs" {
			t.Errorf("100 B latency = %q", r[3])
		}
	})
	t.Run("dash when absent", func(t *testing.T) {
		if r[7] != "- / -" {
			t.Errorf("1 KB latency = %q", r[7])
		}
	})
	t.Run("every percentile in the CSV", func(t *testing.T) {
		csv, _, _ := runTool(t, "", "-format", "csv", "testdata/latency.txt")
		if !strings.Contains(csv, "same,Pipes,pipe,100,3,200000,,,4800,5500,9100,20000,85000,futex,0.8,162441,") {
			t.Errorf("csv:\n%s", csv)
		}
	})
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		rule, input, want string
	}{
		{"empty file", "", "in.txt:1: empty input"},
		{"no msg/s results", "goos: linux\nBenchmarkOther 1 5 ns/op\n", "in.txt:3: no msg/s results"},
		{"truncated line", "Unit msg/s better=higher\nBenchmarkTable/mech=pipe/place=same/size=100-2 100 6266\n", "in.txt:2: missing units"},
		{"unit without metadata", "BenchmarkTable/mech=pipe/place=same/size=100-2 100 6266 ns/op 1 msg/s\n", "in.txt:1: unit msg/s has no metadata"},
		{"name without its keys", "Unit msg/s better=higher\nBenchmarkTable/mech=pipe/size=100-2 1 1 msg/s\n", "in.txt:2: Table/mech=pipe/size=100-2: want mech=, place= and size="},
		{"result without msg/s", "Unit msg/s better=higher\nBenchmarkTable/mech=pipe/place=same/size=100-2 1 1 ns/op\n", "in.txt:2: Table/mech=pipe/place=same/size=100-2: no msg/s metric"},
	} {
		t.Run(c.rule, func(t *testing.T) {
			path := filepath.Join(dir, "in.txt")
			if err := os.WriteFile(path, []byte(c.input), 0o644); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := runTool(t, "", path)
			if code != 1 || out != "" || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 1 and %q", code, out, errOut, c.want)
			}
		})
	}
	t.Run("every bad line named", func(t *testing.T) {
		_, errOut, code := runTool(t, "", "testdata/malformed.txt")
		for _, want := range []string{":8: parsing iteration count", ":9: parsing measurement", ":10: missing units", `:11: Table/mech=pipe/place=same/size=abc-8: size "abc"`, ":12: Table/mech=fifo/size=100-8:", ":13: Floor/floor=futex-8:"} {
			if !strings.Contains(errOut, "testdata/malformed.txt"+want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
	})
}

func TestMixedMachinesWarn(t *testing.T) {
	in := "Unit msg/s better=higher\ncpu: A\nBenchmarkTable/mech=pipe/place=same/size=100 1 1 msg/s\ncpu: B\nBenchmarkTable/mech=pipe/place=same/size=100 1 2 msg/s\n"
	out, errOut, code := runTool(t, in)
	if code != 0 || out == "" {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if !strings.Contains(errOut, `warning: <stdin>: results from mixed machines: cpu "A" (line 3), "B" (line 5)`) {
		t.Errorf("stderr:\n%s", errOut)
	}
	if _, errOut, _ := runTool(t, "", "testdata/run.txt"); errOut != "" {
		t.Errorf("one machine, yet stderr:\n%s", errOut)
	}
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	shifted := filepath.Join(dir, "faster.txt")
	data, err := os.ReadFile("testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	// Every pipe sample at same/100 made millions faster: a change beyond doubt.
	re := regexp.MustCompile(`(?m)^(BenchmarkTable/mech=pipe/place=same/size=100-8.* )(\d+) msg/s`)
	faster := re.ReplaceAllFunc(data, func(m []byte) []byte {
		sub := re.FindSubmatch(m)
		return append(append([]byte{}, sub[1]...), []byte("9"+string(sub[2])+" msg/s")...)
	})
	if err := os.WriteFile(shifted, faster, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("same input is no change", func(t *testing.T) {
		out, errOut, code := runTool(t, "", "testdata/sample.txt", "testdata/sample.txt")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if r := deltaRow(t, out, "| same | Pipes | pipe | 100 B | msg/s |"); r[7] != "~" || r[8] != "p=1.000 n=6" {
			t.Errorf("pipe delta = %q", r)
		}
	})
	t.Run("a shift has a p-value", func(t *testing.T) {
		out, _, _ := runTool(t, "", "testdata/sample.txt", shifted)
		r := deltaRow(t, out, "| same | Pipes | pipe | 100 B | msg/s |")
		if !strings.HasPrefix(r[7], "+") || r[8] != "p=0.002 n=6" {
			t.Errorf("pipe delta = %q", r)
		}
	})
}

func TestSeed(t *testing.T) {
	st, err := loadSeed("testdata/seed.txt", seedText)
	if err != nil {
		t.Fatal(err)
	}
	if st.Machine != "Intel(R) Core(TM) i5-4590S CPU @ 3.00GHz, Ubuntu 20.04.1 LTS" {
		t.Errorf("machine %q", st.Machine)
	}
	for _, sr := range seedRows[1:] {
		t.Run(sr.Name, func(t *testing.T) {
			if st.figure(&sr, 100) <= st.figure(&sr, 1024) || st.figure(&sr, 1024) == 0 {
				t.Errorf("%s: 100 B %v, 1 KB %v: want both, 100 B faster", sr.Name, st.figure(&sr, 100), st.figure(&sr, 1024))
			}
		})
	}
	if st.figure(&seedRows[0], 100) != 0 {
		t.Errorf("Unix Signals is --broken-- in the seed, yet has a figure")
	}
}

func TestFlags(t *testing.T) {
	if _, errOut, code := runTool(t, "", "-h"); code != 0 || !strings.Contains(errOut, "usage: ipctable") {
		t.Errorf("-h: exit %d, stderr:\n%s", code, errOut)
	}
	for _, args := range [][]string{{"-format", "html"}, {"-nosuch"}, {"a", "b", "c"}, {"-format", "csv", "a", "b"}} {
		if _, _, code := runTool(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if _, errOut, code := runTool(t, "", "-place", "nosuch", "testdata/run.txt"); code != 1 || !strings.Contains(errOut, "no transport results at place nosuch") {
		t.Errorf("-place nosuch: exit %d, stderr:\n%s", code, errOut)
	}
}

// deltaRow returns the cells of the comparison row that starts with prefix.
func deltaRow(t *testing.T, out, prefix string) []string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, prefix) {
			return strings.Split(strings.Trim(line, "| "), " | ")
		}
	}
	t.Fatalf("no row %q in:\n%s", prefix, out)
	return nil
}

func TestOutDirHoldsEveryFormat(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	out, errOut, code := runTool(t, "", "-out", dir, "testdata/run.txt")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, ext := range []string{"md", "csv", "json", "svg"} {
		t.Run(ext, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, "table."+ext))
			if err != nil {
				t.Fatal(err)
			}
			want, _, _ := runTool(t, "", "-format", ext, "testdata/run.txt")
			if string(data) != want {
				t.Errorf("table.%s differs from -format %s", ext, ext)
			}
		})
	}
	if md, _ := os.ReadFile(filepath.Join(dir, "table.md")); string(md) != out {
		t.Errorf("stdout is not table.md")
	}
}
