// Package results reads the test2json streams of the conformance matrix,
// builds the table (a row per test, a column per kernel), renders it as
// markdown and HTML, and judges it against the expected differences.
package results

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// An Outcome is what one test did in one column.
type Outcome int

// Outcomes. Missing means the test did not run there at all.
const (
	Missing Outcome = iota
	Pass
	Skip
	Fail
)

func (o Outcome) String() string {
	return [...]string{"-", "pass", "skip", "FAIL"}[o]
}

// A Cell is one test in one column: the outcome and, for a skip or a
// failure, why (the test's last lines of output).
type Cell struct {
	Outcome Outcome
	Reason  string
}

// event is one line of go tool test2json's output.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64 // seconds, on a final event
}

// Reasons quote at most this many of a test's last output lines.
const reasonLines = 6

// Parse reads a test2json stream into cells keyed by row name (see Row). A
// test that started and never finished, or a package whose binary never
// printed its final line, counts as a failure.
func Parse(r io.Reader) (map[string]Cell, error) {
	cells, _, err := ParseTimed(r)
	return cells, err
}

// ParseTimed is Parse that also returns how long each package's binary
// ran, by package row, from the Elapsed of its final event.
func ParseTimed(r io.Reader) (map[string]Cell, map[string]time.Duration, error) {
	type state struct {
		started, ended bool
		cell           Cell
		out            []string
	}
	tests := map[string]*state{}
	var order []string
	get := func(key string) *state {
		s := tests[key]
		if s == nil {
			s = &state{}
			tests[key] = s
			order = append(order, key)
		}
		return s
	}
	times := map[string]time.Duration{}
	dec := json.NewDecoder(bufio.NewReader(r))
	for {
		var e event
		if err := dec.Decode(&e); err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("test2json stream: %v", err)
		}
		row := Row(e.Package, e.Test)
		s := get(row)
		switch e.Action {
		case "start", "run":
			s.started = true
		case "output":
			s.out = appendOutput(s.out, e.Output)
		case "pass", "skip", "fail":
			s.started, s.ended = true, true
			s.cell.Outcome = map[string]Outcome{"pass": Pass, "skip": Skip, "fail": Fail}[e.Action]
			if e.Test == "" && e.Elapsed > 0 {
				times[row] = time.Duration(e.Elapsed * float64(time.Second))
			}
		}
	}
	cells := map[string]Cell{}
	for _, key := range order {
		s := tests[key]
		if !s.started {
			continue
		}
		c := s.cell
		if !s.ended {
			c.Outcome = Fail
			if strings.Contains(key, " ") {
				c.Reason = "started and never finished"
			} else {
				c.Reason = "the test binary died without its final line"
			}
			if tail := lastLines(s.out); tail != "" {
				c.Reason += ": " + tail
			}
		} else if c.Outcome != Pass {
			c.Reason = lastLines(s.out)
		}
		cells[key] = c
	}
	return cells, times, nil
}

// Row names a test as "<package> <Test/sub>", and the package's binary as
// a whole (its leak check, its exit status) as "<package>". The module
// prefix is dropped.
func Row(pkg, test string) string {
	pkg = strings.TrimPrefix(pkg, Module+"/")
	if pkg == Module {
		pkg = "."
	}
	if test == "" {
		return pkg
	}
	return pkg + " " + test
}

// Module is the suite's module path.
const Module = "github.com/ipcsuite/ipcsuite"

// appendOutput keeps the output lines that explain an outcome, not the
// framing lines test2json passes through.
func appendOutput(out []string, s string) []string {
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") ||
			t == "PASS" || t == "FAIL" || strings.HasPrefix(t, "ok  ") {
			continue
		}
		out = append(out, t)
	}
	if len(out) > 4*reasonLines {
		out = out[len(out)-reasonLines:]
	}
	return out
}

func lastLines(out []string) string {
	if len(out) > reasonLines {
		out = out[len(out)-reasonLines:]
	}
	return strings.Join(out, " / ")
}

// SortRows orders rows by package, then test, a test before its subtests.
func SortRows(rows []string) {
	sort.Slice(rows, func(i, j int) bool {
		return strings.Replace(rows[i], " ", "\x00", 1) < strings.Replace(rows[j], " ", "\x00", 1)
	})
}
