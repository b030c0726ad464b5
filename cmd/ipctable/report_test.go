package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ipcsuite/ipcsuite/cmd/internal/results"
)

// testdata/report holds a recorded table run (two rows, one failed) and a
// recorded matrix of the host and 5.10, cut down to the packages of those
// rows, with their expected differences.
func TestReport(t *testing.T) {
	dir := filepath.Join("testdata", "report")
	page := filepath.Join(t.TempDir(), "report.html")
	_, errOut, code := runTool(t, "", "-report", page, "-matrix", filepath.Join(dir, "matrix"),
		"-expect", filepath.Join(dir, "expected.txt"), filepath.Join(dir, "table.txt"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	// The chart has its own golden test of its structure: here, that the
	// page embeds the chart of the same table.
	svg, _, _ := runTool(t, "", "-format", "svg", filepath.Join(dir, "table.txt"))
	elem := string(svgElement([]byte(svg)))
	if !bytes.Contains(got, []byte(elem)) {
		t.Errorf("the page does not embed the table's chart")
	}
	golden(t, "report.html.golden", strings.Replace(string(got), elem, "<svg>chart</svg>", 1))
	if regexp.MustCompile(`<script`).Match(got) {
		t.Errorf("the page has a script; it must read without one")
	}
}

func TestReportWithoutMatrix(t *testing.T) {
	_, errOut, code := runTool(t, "", "-report", filepath.Join(t.TempDir(), "r.html"), "-matrix", t.TempDir(),
		filepath.Join("testdata", "report", "table.txt"))
	if code != 1 || !strings.Contains(errOut, "no matrix results") {
		t.Errorf("exit %d, %q; want 1 and no matrix results", code, errOut)
	}
}

func TestVerdicts(t *testing.T) {
	exps, err := results.ParseExpectations(strings.NewReader(
		"mechanisms/p TestSkips 5.10 skip too old\nmechanisms/p TestFails 5.10 fail broken there\n"))
	if err != nil {
		t.Fatal(err)
	}
	col := results.Column{Name: "5.10", Cells: map[string]results.Cell{
		"mechanisms/p TestSkips":       {Outcome: results.Skip, Reason: "needs 5.11"},
		"mechanisms/p TestFails":       {Outcome: results.Pass},
		"mechanisms/p TestUnexplained": {Outcome: results.Skip, Reason: "no reason known"},
		"mechanisms/p TestPasses":      {Outcome: results.Pass},
	}}
	cases := []struct{ rule, row, class string }{
		{"an expected skip is a skip", "mechanisms/p TestSkips", "skip"},
		{"an expected failure that passes is unexpected", "mechanisms/p TestFails", "pass unexpected"},
		{"a skip nothing explains is unexpected", "mechanisms/p TestUnexplained", "skip unexpected"},
		{"a pass needs no explanation", "mechanisms/p TestPasses", "pass"},
		{"a test that did not run is missing", "mechanisms/p TestNowhere", "missing"},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.rule, " ", "_"), func(t *testing.T) {
			if got := judgeCell(c.row, col, exps).Class; got != c.class {
				t.Errorf("%s: class %q, want %q", c.row, got, c.class)
			}
		})
	}
}
