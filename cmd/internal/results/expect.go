package results

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// An Expectation explains a skip or a failure: where a test does not pass,
// and why.
//
// The file holds one per line, fields separated by white space:
//
//	<package> <test> <columns> <outcome> <why...>
//
// package and test are patterns in which * matches any run of characters
// (also across / into subtests); test "-" names the package's binary as a
// whole. columns is a comma-separated list of column names (host, 5.10,
// 6.1, 6.12, 7.x, gVisor) or *. outcome is skip or fail: one outcome, so
// that a cell shows what the kernel does; a test whose outcome varies from
// run to run is a flaky test to fix, not an expectation. Blank lines and
// lines starting with # are comments.
type Expectation struct {
	Pkg, Test string
	Columns   []string
	Outcome   Outcome // skip or fail
	Why       string
	Line      int

	re *regexp.Regexp
}

// ParseExpectations reads an expected-differences file.
func ParseExpectations(r io.Reader) ([]Expectation, error) {
	var out []Expectation
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 5 {
			return nil, fmt.Errorf("line %d: want <package> <test> <columns> <outcome> <why>", n)
		}
		e := Expectation{Pkg: f[0], Test: f[1], Columns: strings.Split(f[2], ","), Why: strings.Join(f[4:], " "), Line: n}
		switch f[3] {
		case "skip":
			e.Outcome = Skip
		case "fail":
			e.Outcome = Fail
		default:
			return nil, fmt.Errorf("line %d: outcome %q: want skip or fail", n, f[3])
		}
		row := Row(Module+"/"+e.Pkg, e.Test)
		if e.Test == "-" {
			row = Row(Module+"/"+e.Pkg, "")
		}
		e.re = regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(row), `\*`, ".*") + "$")
		out = append(out, e)
	}
	return out, sc.Err()
}

// Matches reports whether e covers row in column col.
func (e Expectation) Matches(row, col string) bool {
	if !e.re.MatchString(row) {
		return false
	}
	for _, c := range e.Columns {
		if c == "*" || strings.EqualFold(c, col) {
			return true
		}
	}
	return false
}

// coversAny reports whether e names any of the columns: an expectation for
// a column that did not run is not stale.
func (e Expectation) coversAny(cols []Column) bool {
	for _, col := range cols {
		for _, c := range e.Columns {
			if c == "*" || strings.EqualFold(c, col.Name) {
				return true
			}
		}
	}
	return false
}

// Exit codes of a matrix run.
const (
	ExitOK = 0
	// ExitUnexpected: a failure or skip nobody explained, an expected
	// failure that passed, or a guest that booted and then oopsed, hung or
	// died before its results were all in.
	ExitUnexpected = 1
	ExitBoot       = 3 // a guest did not boot, twice
)

// A Verdict is the judgement of a whole matrix.
type Verdict struct {
	Problems []string // one line each: what is unexplained
	Unused   []string // expectations that matched no cell: stale
	Code     int
}

// Judge compares every cell with the expectations. The first expectation
// that matches a cell decides it. A pass needs none; a skip or failure
// needs one naming that outcome; a cell that passes where an expectation
// wants a skip or failure is a problem too, so the file stays true.
func Judge(m Matrix, exps []Expectation) Verdict {
	var v Verdict
	used := make([]bool, len(exps))
	for _, row := range m.Rows {
		for _, col := range m.Columns {
			cell, ok := col.Cells[row]
			if !ok {
				continue
			}
			idx := -1
			for i, e := range exps {
				if e.Matches(row, col.Name) {
					idx = i
					break
				}
			}
			if idx >= 0 {
				used[idx] = true
			}
			if p := problem(cell, exps, idx); p != "" {
				v.Problems = append(v.Problems, fmt.Sprintf("%s on %s: %s", row, col.Name, p))
			}
		}
	}
	for i, e := range exps {
		if !used[i] && e.coversAny(m.Columns) {
			v.Unused = append(v.Unused, fmt.Sprintf("line %d: %s %s %s", e.Line, e.Pkg, e.Test, strings.Join(e.Columns, ",")))
		}
	}
	if len(v.Problems) > 0 {
		v.Code = ExitUnexpected
	}
	for _, col := range m.Columns {
		if col.Trouble != "" {
			v.Problems = append(v.Problems, fmt.Sprintf("%s: %s", col.Name, col.Trouble))
			v.Code = max(v.Code, ExitUnexpected)
		}
		if col.Err != "" {
			v.Problems = append(v.Problems, fmt.Sprintf("%s: %s", col.Name, col.Err))
			v.Code = ExitBoot
		}
	}
	return v
}

func problem(cell Cell, exps []Expectation, idx int) string {
	switch {
	case idx < 0 && cell.Outcome == Pass:
		return ""
	case idx < 0:
		return fmt.Sprintf("unexpected %s (%s)", cell.Outcome, cell.Reason)
	case exps[idx].Outcome == cell.Outcome:
		return ""
	case cell.Outcome == Pass:
		return fmt.Sprintf("unexpected pass: line %d expects %s (%s)", exps[idx].Line, exps[idx].Outcome, exps[idx].Why)
	default:
		return fmt.Sprintf("unexpected %s, line %d expects %s (%s)", cell.Outcome, exps[idx].Line, exps[idx].Outcome, cell.Reason)
	}
}
