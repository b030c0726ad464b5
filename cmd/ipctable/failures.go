package main

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"strings"
)

// A Failure is one failed sample of a row: go test prints "--- FAIL:" and
// the row's log instead of a result line, which benchfmt skips.
type Failure struct {
	Bench  string // Table, Latency or Floor
	Name   string // the full row name, without the GOMAXPROCS suffix
	Reason string // the first line of the row's log
	Line   int
}

// failLine matches the line go test prints for a failed benchmark; the
// name ends before the GOMAXPROCS suffix when there is one.
// go test prints a row's name before running it, so the line can begin
// with the name and a tab.
var failLine = regexp.MustCompile(`(?:^|\t)\s*--- FAIL: (Benchmark\S+?)(?:-\d+)?\s*$`)

// scanFailures finds the failed samples of the suite's benchmarks, each
// with the log line that follows it.
func scanFailures(data []byte) []Failure {
	var fs failScanner
	var out []Failure
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if f := fs.line(n, sc.Text()); f != nil {
			out = append(out, *f)
		}
	}
	if f := fs.end(); f != nil {
		out = append(out, *f)
	}
	return out
}

// A failScanner reads go test output line by line and returns each failed
// sample of a row once its reason has arrived. go test reports a sample
// that fails in a timed run twice: "NAME-P\t--- FAIL: NAME", its log,
// then "--- FAIL: NAME-P" and the log again; one that fails in the first
// short run once, as "--- FAIL: NAME" and its log. A parent benchmark
// that fails only because a row did is not a row and is left out.
type failScanner struct {
	pending *Failure // awaiting its reason
	twice   string   // the row whose second report may follow
}

func (s *failScanner) line(n int, text string) *Failure {
	if m := failLine.FindStringSubmatch(text); m != nil {
		done := s.end()
		afterName := !strings.HasPrefix(strings.TrimSpace(text), "---")
		if s.twice == m[1] && !afterName {
			s.twice = ""
			return done
		}
		s.twice = ""
		if afterName {
			s.twice = m[1]
		}
		bench, rest, _ := strings.Cut(strings.TrimPrefix(m[1], "Benchmark"), "/")
		if rest != "" {
			s.pending = &Failure{Bench: bench, Name: m[1], Line: n}
		}
		return done
	}
	if s.pending != nil {
		if r := strings.TrimSpace(text); r != "" {
			f := s.pending
			f.Reason, s.pending = r, nil
			return f
		}
		return nil
	}
	if text != "" && text[0] != ' ' && text[0] != '\t' {
		s.twice = ""
	}
	return nil
}

// end returns a failure whose reason never came.
func (s *failScanner) end() *Failure {
	f := s.pending
	s.pending = nil
	return f
}

// rowKey is the key of a failed row, as add files its results; ok is
// false for a name without the keys that add wants.
func (f Failure) rowKey() (key, bool) {
	var mech, place string
	size := noSize
	_, parts, _ := strings.Cut(f.Name, "/")
	for _, p := range strings.Split(parts, "/") {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "mech", "floor":
			mech = v
		case "place":
			place = v
		case "size":
			if n, err := strconv.Atoi(v); err == nil {
				size = n
			}
		}
	}
	k := key{Floor: f.Bench == "Floor", Name: mech, Place: place, Size: size}
	if k.Floor {
		return k, mech != "" && (place != "" || size != noSize)
	}
	return k, mech != "" && place != "" && size != noSize
}
