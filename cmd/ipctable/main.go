// Command ipctable turns the output of the suite's table, floor and
// latency benchmarks into the seed's table: its nine rows in its order,
// each naming the transports that measure it, then every other row; per
// cell the median msg/s with its 95% confidence interval, p50 and p99
// latency, the ratio to the row's floor and to the seed's figure.
//
// Usage:
//
//	ipctable [-format md|csv|json|svg] [-place same,split] [-out dir] file
//	ipctable [-place same,split] old new
//	ipctable -report page.html [-matrix dir] [-expect file] file
//	go test -bench ... | ipctable -progress -passes n -tee file
//
// One input prints the table ("-" reads standard input); two print the
// deltas from the first to the second with their p-values, as benchstat
// does. With -out, the table is also written into dir in all four
// formats. Bad input is an error naming the file and line; rows that
// failed are marked in the table and listed under it.
//
// -report writes one HTML page: per mechanism package, its rows of the
// table and the verdicts of its tests on every column of a conformance
// matrix (cmd/matrix's output directory).
//
// -progress follows a run as it happens: it copies standard input to the
// -tee file untouched and prints a line per finished row to standard
// error, with the elapsed time and, once the first of -passes passes of
// -count 1 is over, an estimate of what remains.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main with its environment passed in, so that tests drive it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ipctable", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "md", "output `format`: md, csv, json or svg")
	outDir := fs.String("out", "", "also write table.md, table.csv, table.json and table.svg into `dir`")
	places := fs.String("place", "", "comma-separated `placements` to show, in this order (default: all in the input)")
	follow := fs.Bool("progress", false, "copy standard input to the -tee file and print a line of progress per finished row to standard error")
	passes := fs.Int("passes", 1, "with -progress: how many passes of -count 1 the input holds")
	tee := fs.String("tee", "", "with -progress: the `file` that receives the raw input")
	report := fs.String("report", "", "write an HTML `page` joining the table with the conformance matrix of -matrix")
	matrixDir := fs.String("matrix", "out/matrix", "with -report: the `dir` of the last make matrix")
	expect := fs.String("expect", "testdata/matrix/expected.txt", "with -report: the matrix's expected differences")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: ipctable [flags] file\n       ipctable [flags] old new\n\nReads go test -bench output of BenchmarkTable, BenchmarkFloor and BenchmarkLatency\nand prints the IPC table, or the deltas between two inputs.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	if *follow {
		return runProgress(stdin, stderr, *tee, *passes)
	}
	if writers[*format] == nil {
		fmt.Fprintf(stderr, "ipctable: -format must be md, csv, json or svg, not %q\n", *format)
		return 2
	}
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	if len(files) > 2 {
		fmt.Fprintln(stderr, "ipctable: want one input, or two to compare")
		return 2
	}
	if len(files) == 2 && *format != "md" {
		fmt.Fprintln(stderr, "ipctable: a comparison of two inputs is printed as markdown only")
		return 2
	}
	var runs []*Run
	for _, f := range files {
		r, err := readFile(f, stdin)
		if err != nil {
			fmt.Fprintln(stderr, "ipctable:", strings.ReplaceAll(err.Error(), "\n", "\nipctable: "))
			return 1
		}
		for _, w := range r.Warnings {
			fmt.Fprintln(stderr, "ipctable: warning:", w)
		}
		runs = append(runs, r)
	}
	sel := splitList(*places)
	if len(sel) == 0 {
		sel = runs[0].placements()
	}
	if len(runs) == 2 {
		if err := WriteComparison(stdout, stderr, runs[0], runs[1], sel); err != nil {
			fmt.Fprintln(stderr, "ipctable:", err)
			return 1
		}
		return 0
	}
	seed, err := loadSeed("testdata/seed.txt", seedText)
	if err != nil {
		fmt.Fprintln(stderr, "ipctable:", err)
		return 1
	}
	t := build(runs[0], seed, sel)
	if !slices.ContainsFunc(t.Cells, func(c Cell) bool { return c.Measured || c.failed() }) {
		fmt.Fprintf(stderr, "ipctable: %s: no transport results at place %s\n", runs[0].Name, strings.Join(sel, ","))
		return 1
	}
	if *report != "" {
		if err := writeReport(*report, t, *matrixDir, *expect); err != nil {
			fmt.Fprintln(stderr, "ipctable:", err)
			return 1
		}
		return 0
	}
	if *outDir != "" {
		if err := writeAll(*outDir, t); err != nil {
			fmt.Fprintln(stderr, "ipctable:", err)
			return 1
		}
	}
	if err := writers[*format](stdout, t); err != nil {
		fmt.Fprintln(stderr, "ipctable:", err)
		return 1
	}
	return 0
}

// writers are the formats by -format name.
var writers = map[string]func(io.Writer, *Table) error{"md": WriteMarkdown, "csv": WriteCSV, "json": WriteJSON, "svg": WriteSVG}

// writeAll writes the table in every format into dir.
func writeAll(dir string, t *Table) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, ext := range []string{"md", "csv", "json", "svg"} {
		var b bytes.Buffer
		if err := writers[ext](&b, t); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "table."+ext), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// readFile reads and parses one input; "-" is standard input.
func readFile(name string, stdin io.Reader) (*Run, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(stdin)
		name = "<stdin>"
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, err
	}
	return Read(name, data)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// runProgress is -progress: the raw output goes to tee, the progress to
// stderr.
func runProgress(stdin io.Reader, stderr io.Writer, tee string, passes int) int {
	if tee == "" || passes < 1 {
		fmt.Fprintln(stderr, "ipctable: -progress wants -tee file and -passes of at least 1")
		return 2
	}
	f, err := os.Create(tee)
	if err != nil {
		fmt.Fprintln(stderr, "ipctable:", err)
		return 1
	}
	err = followProgress(stdin, f, stderr, passes, time.Now)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(stderr, "ipctable:", err)
		return 1
	}
	return 0
}
