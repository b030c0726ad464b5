// Command ipctable turns Go benchmark output from the IPC suite into the
// classic throughput table: one row per mechanism, one column per message
// size, each cell the median msg/s with its spread and its ratio to the
// futex floor.
//
// Usage:
//
//	ipctable [-format md|text] [-metric msg/s] [-place same,split] [file ...]
//
// With no files, ipctable reads standard input; "-" also names it.
// Malformed lines are reported on standard error and skipped.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/perf/benchfmt"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main with its environment passed in, so tests can drive it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ipctable", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "md", "output `format`: md or text")
	metric := fs.String("metric", "msg/s", "`unit` to tabulate, e.g. msg/s, B/s or sec/op")
	places := fs.String("place", "same,split", "comma-separated `placements` to show, in this order")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: ipctable [flags] [file ...]\n\nReads go test -bench output (stdin when no files) and prints an IPC throughput table.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err == flag.ErrHelp {
		return 0
	} else if err != nil {
		return 2
	}
	if *format != "md" && *format != "text" {
		fmt.Fprintf(stderr, "ipctable: -format must be md or text, not %q\n", *format)
		return 2
	}
	var sel []string
	for _, p := range strings.Split(*places, ",") {
		if p = strings.TrimSpace(p); p != "" {
			sel = append(sel, p)
		}
	}
	if len(sel) == 0 {
		fmt.Fprintln(stderr, "ipctable: -place selects no placement")
		return 2
	}

	// benchfmt.Files would read os.Stdin itself; going through a Reader
	// for the no-argument case keeps stdin injectable in tests.
	var sc scanner
	if fs.NArg() == 0 {
		sc = benchfmt.NewReader(stdin, "<stdin>")
	} else {
		sc = &benchfmt.Files{Paths: fs.Args(), AllowStdin: true}
	}
	d, err := Read(sc, *metric, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "ipctable:", err)
		return 1
	}
	if err := Render(stdout, d, Options{Format: *format, Places: sel}); err != nil {
		fmt.Fprintln(stderr, "ipctable:", err)
		return 1
	}
	return 0
}
