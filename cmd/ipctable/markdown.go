package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"golang.org/x/perf/benchunit"
)

// notes are the lines under the table: what every row measures, and per
// seed row where ipcsuite measures something other than the seed did.
func notes(run *Run) []string {
	out := []string{"Every row: one op is one round trip between two processes, the full message each way."}
	for _, g := range groups(run.transports()) {
		if g.Seed != nil && g.Seed.Note != "" {
			out = append(out, g.Row+": "+g.Seed.Note+".")
		}
	}
	var spinning []string
	for _, tr := range run.transports() {
		if run.spins(tr) {
			spinning = append(spinning, tr)
		}
	}
	if len(spinning) > 0 {
		out = append(out, "Spinning rows ("+strings.Join(spinning, ", ")+") busy-wait on both ends: they run with the ends on two CPUs only, and their floor is the cache line.")
	}
	return out
}

// sizeLabel names a column: binary units when exact, bytes otherwise.
func sizeLabel(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// groupDigits renders a rate with a comma every three digits, as IPC
// tables are usually read.
func groupDigits(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatNs renders a latency in nanoseconds with benchstat's scaling.
func formatNs(ns float64) string {
	return benchunit.Scale(ns*1e-9, benchunit.Decimal) + "s"
}

// rateText is a cell's "median ±x%", † when the interval is unbounded.
func rateText(st *Stat) string {
	if st.Bounded {
		return groupDigits(st.Median) + " " + st.Range
	}
	return groupDigits(st.Median) + "†"
}

// latencyText is "p50 / p99", "-" for each percentile not measured.
func latencyText(c Cell) string {
	part := func(u string) string {
		if v, ok := c.Latency[u]; ok {
			return formatNs(v)
		}
		return "-"
	}
	text := part("p50-ns") + " / " + part("p99-ns")
	switch {
	case c.FailedLatency > 0 && len(c.Latency) == 0:
		return "FAILED"
	case c.FailedLatency > 0:
		return fmt.Sprintf("%s (%d FAILED)", text, c.FailedLatency)
	}
	return text
}

func ratioText(r float64, what string) string {
	if r == 0 {
		return "-"
	}
	// Two decimals, or three significant digits for the small ratios of
	// slow rows to fast seed figures.
	f := "%.2f× %s"
	if r < 0.1 {
		f = "%.2g× %s"
	}
	return strings.TrimSpace(fmt.Sprintf(f, r, what))
}

// cellTexts are the four columns of one cell.
func cellTexts(c Cell, ok bool) []string {
	if ok && !c.Measured && c.Failed > 0 {
		return []string{"FAILED: " + c.FailReason, latencyText(c), "-", "-"}
	}
	if !ok || !c.Measured {
		return []string{"—", latencyText(c), "-", "-"}
	}
	floor := "-"
	if c.Floor != "" {
		floor = ratioText(c.FloorRatio, floorLabel(c.Floor))
	}
	seed := "-"
	if c.Seed > 0 {
		seed = ratioText(c.SeedRatio, "")
	}
	rate := rateText(c.Rate)
	if c.Failed > 0 {
		rate += fmt.Sprintf(" (%d FAILED)", c.Failed)
	}
	return []string{rate, latencyText(c), floor, seed}
}

func floorLabel(f string) string {
	if f == floorCacheline {
		return "cache line"
	}
	return f
}

// WriteMarkdown writes one table per placement in the seed's layout,
// then the floors, the machine and the notes.
func WriteMarkdown(w io.Writer, t *Table) error {
	ew := &errWriter{w: w}
	ew.printf("# IPC table: round trips per second\n")
	dagger := false
	for _, place := range t.Places {
		ew.printf("\n## place=%s\n\n", place)
		header := []string{"Mechanism", "Transport"}
		for _, s := range t.Sizes {
			l := sizeLabel(s)
			header = append(header, l+" msg/s (95% CI)", l+" p50 / p99", l+" × floor", l+" × seed")
		}
		rows := [][]string{header}
		blank := func(first, second, rest string) []string {
			r := []string{first, second}
			for range t.Sizes {
				r = append(r, rest, "", "", "")
			}
			return r
		}
		cells := func(label, tr string) []string {
			r := []string{label, tr}
			for _, s := range t.Sizes {
				c, ok := t.cell(place, tr, s)
				if ok && c.Rate != nil && !c.Rate.Bounded {
					dagger = true
				}
				r = append(r, cellTexts(c, ok)...)
			}
			return r
		}
		for _, g := range t.Groups {
			label := g.Row
			if g.Seed == nil {
				if len(g.Transports) == 0 {
					continue
				}
				label = "*" + otherRows + "*"
			}
			switch {
			case len(g.Transports) == 0:
				rows = append(rows, blank(label, "—", "not measured in this run"))
			case len(g.Transports) == 1 && g.Seed != nil:
				rows = append(rows, t.measuredHere(place, g.Transports[0], cells(label, g.Transports[0]), blank))
			default:
				rows = append(rows, blank(label, strings.Join(g.Transports, ", "), ""))
				for _, tr := range g.Transports {
					rows = append(rows, t.measuredHere(place, tr, cells("↳", tr), blank))
				}
			}
		}
		floors := false
		for _, f := range t.Floors {
			if f.Place != place {
				continue
			}
			label := ""
			if !floors {
				label, floors = "*Floors*", true
			}
			name := f.Floor
			if f.Size > 0 {
				name += " " + sizeLabel(f.Size)
			}
			r := []string{label, name}
			for i := range t.Sizes {
				if i == 0 {
					r = append(r, rateText(&f.Rate), "", "", "")
				} else {
					r = append(r, "", "", "", "")
				}
			}
			if !f.Rate.Bounded {
				dagger = true
			}
			rows = append(rows, r)
		}
		writeMarkdownRows(ew, rows)
	}
	ew.printf("\n")
	for _, k := range []string{"cpu", "kernel", "go"} {
		for _, c := range t.Machine {
			if c.Key == k {
				ew.printf("- %s: %s\n", c.Key, strings.Join(c.Values, "; "))
			}
		}
	}
	for _, c := range t.Machine {
		if strings.HasPrefix(c.Key, "place-") || c.Key == "cacheline-probe" {
			ew.printf("- %s: %s\n", c.Key, strings.Join(c.Values, "; "))
		}
	}
	for _, f := range t.PerOp {
		ew.printf("- %s floor at place=%s: %s per op (in every latency figure)\n", f.Floor, f.Place, formatNs(f.Ns.Median))
	}
	if t.Seed != "" {
		ew.printf("- seed: goldsborough/ipc-bench's published table, measured on %s\n", t.Seed)
	}
	ew.printf("\nCells: the median msg/s over the samples and the half-width of its %g%% confidence interval (benchmath, as benchstat);", 100*confidence)
	ew.printf(" p50 / p99 from BenchmarkLatency, \"-\" where it did not run; × floor is the ratio to the futex floor (rows that sleep in the kernel) or the cache-line floor (spinning rows) of the same run and placement; × seed is the ratio to the seed's figure.\n")
	if dagger {
		ew.printf("† fewer than 6 samples: no %g%% confidence interval (run with -count 6 or more).\n", 100*confidence)
	}
	if len(t.Failed) > 0 {
		ew.printf("\nFailed rows: the table leaves their failed samples out.\n\n")
		for _, f := range t.Failed {
			ew.printf("- FAILED %s: %d sample(s): %s\n", f.Name, f.Samples, f.Reason)
		}
	}
	ew.printf("\n")
	for _, n := range t.Notes {
		ew.printf("- %s\n", n)
	}
	return ew.err
}

// measuredHere replaces a row of dashes by a note when the transport has
// no result at this placement at all (a spinning row on one CPU).
func (t *Table) measuredHere(place, tr string, row []string, blank func(a, b, c string) []string) []string {
	for _, s := range t.Sizes {
		if c, ok := t.cell(place, tr, s); ok && (c.Measured || len(c.Latency) > 0 || c.failed()) {
			return row
		}
	}
	return blank(row[0], row[1], "not measured at place="+place)
}

func writeMarkdownRows(ew *errWriter, rows [][]string) {
	line := func(cells []string) {
		ew.printf("|")
		for _, c := range cells {
			ew.printf(" %s |", strings.ReplaceAll(c, "|", `\|`))
		}
		ew.printf("\n")
	}
	line(rows[0])
	align := []string{":--", ":--"}
	for range rows[0][2:] {
		align = append(align, "--:")
	}
	line(align)
	for _, r := range rows[1:] {
		line(r)
	}
}

// errWriter keeps the first write error so that rendering stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
