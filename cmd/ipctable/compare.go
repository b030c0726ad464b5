package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"
)

// A Delta compares one metric of one cell between two inputs.
type Delta struct {
	Place, Row, Transport string
	Size                  int
	Metric                string
	Old, New              Stat
	Change                string // benchstat's "+x.xx%", or "~" when not significant
	Test                  string // benchstat's "p=0.xxx n=N"
	P                     float64
}

// compare computes the deltas of msg/s and of each latency percentile
// present in both inputs, with benchmath's Mann-Whitney U test.
func compare(old, new *Run, places []string) []Delta {
	var trs []string
	for _, tr := range append(old.transports(), new.transports()...) {
		if !slices.Contains(trs, tr) {
			trs = append(trs, tr)
		}
	}
	sizes := old.sizes()
	for _, s := range new.sizes() {
		if !slices.Contains(sizes, s) {
			sizes = append(sizes, s)
		}
	}
	slices.Sort(sizes)
	var out []Delta
	add := func(d Delta, xs, ys []float64) {
		if len(xs) == 0 || len(ys) == 0 {
			return
		}
		s1 := benchmath.NewSample(slices.Clone(xs), &benchmath.DefaultThresholds)
		s2 := benchmath.NewSample(slices.Clone(ys), &benchmath.DefaultThresholds)
		cmp := benchmath.AssumeNothing.Compare(s1, s2)
		d.Old, d.New = summarize(xs), summarize(ys)
		d.Change, d.Test, d.P = cmp.FormatDelta(d.Old.Median, d.New.Median), cmp.String(), cmp.P
		out = append(out, d)
	}
	for _, p := range places {
		for _, g := range groups(trs) {
			for _, tr := range g.Transports {
				for _, s := range sizes {
					k := key{Name: tr, Place: p, Size: s}
					d := Delta{Place: p, Row: g.Row, Transport: tr, Size: s}
					d.Metric = rateUnit
					add(d, old.Rates[k], new.Rates[k])
					for _, u := range latencyUnits {
						d.Metric = u
						add(d, old.Latency[k][u], new.Latency[k][u])
					}
				}
			}
		}
	}
	return out
}

// WriteComparison prints the deltas from old to new as a markdown table.
func WriteComparison(w, stderr io.Writer, old, new *Run, places []string) error {
	ds := compare(old, new, places)
	if len(ds) == 0 {
		return fmt.Errorf("%s and %s have no cell in common at place %s", old.Name, new.Name, strings.Join(places, ","))
	}
	ew := &errWriter{w: w}
	ew.printf("# IPC table: %s → %s\n\n", old.Name, new.Name)
	for _, r := range []*Run{old, new} {
		var m []string
		for _, k := range []string{"cpu", "kernel", "go"} {
			if v := r.config(k); v != nil {
				m = append(m, k+" "+strings.Join(v, "; "))
			}
		}
		ew.printf("- %s: %s\n", r.Name, strings.Join(m, ", "))
	}
	ew.printf("\nDelta: change of the median, \"~\" where the Mann-Whitney U test finds no difference at α=0.05 (benchmath, as benchstat).\n\n")
	rows := [][]string{{"Place", "Mechanism", "Transport", "Size", "Metric", "Old", "New", "Delta", "Test"}}
	for _, d := range ds {
		f := func(st Stat) string {
			v := groupDigits(st.Median)
			if d.Metric != rateUnit {
				v = formatNs(st.Median)
			}
			if st.Bounded {
				return v + " " + st.Range
			}
			return v + "†"
		}
		rows = append(rows, []string{d.Place, d.Row, d.Transport, sizeLabel(d.Size), d.Metric, f(d.Old), f(d.New), d.Change, d.Test})
	}
	writeMarkdownRows(ew, rows)
	return ew.err
}
