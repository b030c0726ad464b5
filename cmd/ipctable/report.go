package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/ipcsuite/ipcsuite/cmd/internal/results"
)

// The report joins the two halves of ipcsuite on one page: per mechanism
// package, what its transports cost (the table) and what it guarantees on
// each kernel (the last conformance matrix, judged by its expected
// differences).

// packageOf names the mechanism package of a transport family where the
// two names differ; otherwise the package is mechanisms/FAMILY, or the
// mechanism package whose name begins with the family.
var packageOf = map[string]string{"tcp": "inet", "udp": "inet"}

// contractPrefix is the matrix row prefix of the contract tests that the
// suite's top-level package runs over every transport.
const contractPrefix = ". TestContract/"

// A Report is the page's data.
type Report struct {
	Machine  []ConfigValue
	Columns  []results.Column
	Chart    template.HTML
	Packages []reportPackage
	Failed   []FailedRow
	Notes    []string
	Problems []string // cells the expectations do not explain
}

// A reportPackage is one mechanism package: its table rows and the
// verdicts of its tests.
type reportPackage struct {
	Name  string // e.g. mechanisms/pipe, or "" for transports of no package
	Cells []reportCell
	Tests []reportTest
}

// Anchor is the package's id in the page.
func (p reportPackage) Anchor() string { return strings.ReplaceAll(p.Name, "/", "-") }

type reportCell struct {
	Place, Transport, Size string
	Texts                  []string // as the markdown's four columns
	Failed                 bool
}

type reportTest struct {
	Name     string
	Verdicts []verdict // one per column
}

// A verdict is one test on one column.
type verdict struct {
	Class    string // pass, skip, fail, missing; with " unexpected" when nothing explains it
	Text     string
	Reason   string
	Expected string // the expected difference that explains it
}

// buildReport joins the table t with the matrix columns, judged by exps.
func buildReport(t *Table, cols []results.Column, exps []results.Expectation, chart []byte) *Report {
	m := results.New(cols)
	r := &Report{Machine: t.Machine, Columns: cols, Chart: svgElement(chart), Failed: t.Failed, Notes: t.Notes}
	r.Problems = results.Judge(m, exps).Problems
	pkgs := map[string]*reportPackage{}
	var order []string
	get := func(name string) *reportPackage {
		if pkgs[name] == nil {
			pkgs[name] = &reportPackage{Name: name}
			order = append(order, name)
		}
		return pkgs[name]
	}
	var testPkgs []string
	for _, row := range m.Rows {
		if p, _, ok := strings.Cut(row, " "); ok && strings.HasPrefix(p, "mechanisms/") && !slices.Contains(testPkgs, p) {
			testPkgs = append(testPkgs, p)
		}
	}
	for _, p := range testPkgs {
		get(p)
	}
	transportPkg := func(tr string) string {
		fam := family(tr)
		if p, ok := packageOf[fam]; ok {
			return "mechanisms/" + p
		}
		for _, p := range testPkgs {
			if path.Base(p) == fam {
				return p
			}
		}
		for _, p := range testPkgs {
			if strings.HasPrefix(path.Base(p), fam) {
				return p
			}
		}
		return "mechanisms/" + fam
	}
	for _, c := range t.Cells {
		p := get(transportPkg(c.Transport))
		p.Cells = append(p.Cells, reportCell{Place: c.Place, Transport: c.Transport, Size: sizeLabel(c.Size),
			Texts: cellTexts(c, true), Failed: c.failed()})
	}
	for _, row := range m.Rows {
		var p *reportPackage
		name := row
		if rest, ok := strings.CutPrefix(row, contractPrefix); ok {
			tr, _, _ := strings.Cut(rest, "/")
			p = get(transportPkg(tr))
			name = strings.TrimPrefix(row, ". ")
		} else if pk, test, ok := strings.Cut(row, " "); ok && strings.HasPrefix(pk, "mechanisms/") {
			p = pkgs[pk]
			name = test
		}
		if p == nil {
			continue
		}
		rt := reportTest{Name: name}
		for _, col := range cols {
			rt.Verdicts = append(rt.Verdicts, judgeCell(row, col, exps))
		}
		p.Tests = append(p.Tests, rt)
	}
	slices.Sort(order)
	for _, name := range order {
		r.Packages = append(r.Packages, *pkgs[name])
	}
	return r
}

// judgeCell is the verdict of row on col: its outcome and the first
// expected difference that matches it.
func judgeCell(row string, col results.Column, exps []results.Expectation) verdict {
	cell, ok := col.Cells[row]
	if !ok {
		return verdict{Class: "missing", Text: "-"}
	}
	v := verdict{Class: strings.ToLower(cell.Outcome.String()), Text: cell.Outcome.String(), Reason: cell.Reason}
	for _, e := range exps {
		if e.Matches(row, col.Name) {
			v.Expected = fmt.Sprintf("expected %s (expected.txt line %d): %s", e.Outcome, e.Line, e.Why)
			if e.Outcome != cell.Outcome {
				v.Class += " unexpected"
			}
			return v
		}
	}
	if cell.Outcome != results.Pass {
		v.Class += " unexpected"
	}
	return v
}

// svgElement is the chart without its XML declaration, to sit inside the
// page.
func svgElement(svg []byte) template.HTML {
	if i := bytes.Index(svg, []byte("<svg")); i >= 0 {
		svg = svg[i:]
	}
	return template.HTML(svg)
}

//go:embed report.tmpl
var reportText string

var reportPage = template.Must(template.New("report").Parse(reportText))

// WriteReport renders the page.
func WriteReport(w io.Writer, r *Report) error {
	return reportPage.Execute(w, r)
}

// writeReport builds the report of t and the matrix in matrixDir, judged
// by the expected differences in expectFile, into file.
func writeReport(file string, t *Table, matrixDir, expectFile string) error {
	cols, err := results.LoadColumns(matrixDir)
	if err != nil {
		return err
	}
	if len(cols) == 0 {
		return fmt.Errorf("%s: no matrix results (make matrix writes them)", matrixDir)
	}
	f, err := os.Open(expectFile)
	if err != nil {
		return err
	}
	exps, err := results.ParseExpectations(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %v", expectFile, err)
	}
	var chart bytes.Buffer
	if err := WriteSVG(&chart, t); err != nil {
		return err
	}
	var page bytes.Buffer
	if err := WriteReport(&page, buildReport(t, cols, exps, chart.Bytes())); err != nil {
		return err
	}
	return os.WriteFile(file, page.Bytes(), 0o644)
}
