package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var (
	svgText = regexp.MustCompile(`<text[^>]*>([^<]*)</text>`)
	svgFill = regexp.MustCompile(`<path d="[^"]*" style="fill:(#[0-9A-F]{6})"`)
	svgTag  = regexp.MustCompile(`<([a-z]+)`)
)

// chartStructure is what the chart shows, without its coordinates: the
// text in drawing order, the number of filled shapes of each colour, and
// the number of elements of each kind.
func chartStructure(svg string) string {
	var b strings.Builder
	for _, m := range svgText.FindAllStringSubmatch(svg, -1) {
		fmt.Fprintf(&b, "text %s\n", m[1])
	}
	fills := map[string]int{}
	var order []string
	for _, m := range svgFill.FindAllStringSubmatch(svg, -1) {
		if fills[m[1]] == 0 {
			order = append(order, m[1])
		}
		fills[m[1]]++
	}
	for _, c := range order {
		fmt.Fprintf(&b, "fill %s %d\n", c, fills[c])
	}
	tags := map[string]int{}
	var names []string
	for _, m := range svgTag.FindAllStringSubmatch(svg, -1) {
		if tags[m[1]] == 0 {
			names = append(names, m[1])
		}
		tags[m[1]]++
	}
	for _, n := range names {
		fmt.Fprintf(&b, "<%s> %d\n", n, tags[n])
	}
	return b.String()
}

func TestChart(t *testing.T) {
	svg, errOut, code := runTool(t, "", "-format", "svg", "testdata/sample.txt")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	structure := chartStructure(svg)
	t.Run("structure", func(t *testing.T) { golden(t, "sample.chart.golden", structure) })

	// sample.txt measures pipe and fifo at 100 B and 1 KB in two placements.
	t.Run("one panel per placement", func(t *testing.T) {
		for _, p := range []string{"place=same", "place=split"} {
			if strings.Count(structure, p) != 1 {
				t.Errorf("%s titled %d times", p, strings.Count(structure, p))
			}
		}
	})
	t.Run("one bar per measured cell and size, plus its legend swatch", func(t *testing.T) {
		// Four cells per size (two transports, two placements) and a
		// legend in each of the two panels.
		for i, size := range []string{"100 B", "1 KB"} {
			r, g, b, _ := sizeColors[i].RGBA()
			line := fmt.Sprintf("fill #%02X%02X%02X 6\n", r>>8, g>>8, b>>8)
			if !strings.Contains(structure, line) {
				t.Errorf("%s: want %q in:\n%s", size, line, structure)
			}
		}
	})
	t.Run("a log axis labelled in msg/s", func(t *testing.T) {
		if !strings.Contains(structure, "text msg/s (log scale)") || !strings.Contains(structure, "text 100,000\n") {
			t.Errorf("axis texts missing:\n%s", structure)
		}
	})
	t.Run("transports as groups", func(t *testing.T) {
		if strings.Count(structure, "text pipe\n") != 2 || strings.Count(structure, "text fifo\n") != 2 {
			t.Errorf("want pipe and fifo under each panel:\n%s", structure)
		}
	})
}

func TestChartOfExtremeRates(t *testing.T) {
	// A log axis has no place for zero, and LogTicks panics on it.
	for _, v := range []string{"1e308", "5e-324", "1e-300"} {
		t.Run(v, func(t *testing.T) {
			in := "Unit msg/s better=higher\nBenchmarkTable/mech=a/place=s/size=1 1 " + v + " msg/s\n"
			if _, errOut, code := runTool(t, in, "-format", "svg"); code != 0 {
				t.Errorf("exit %d: %s", code, errOut)
			}
		})
	}
}
