package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// A progress follows go test -bench output as it arrives: passes of
// -count 1 over the same rows, one after another. Each finished row (a
// result line, or a "--- FAIL:" line) is one line of progress with the
// elapsed time and, once the first pass has shown how many rows a pass
// has, an estimate of what remains.
type progress struct {
	w       io.Writer
	passes  int
	start   time.Time
	now     func() time.Time
	pass    int             // current pass, from 1
	seen    map[string]bool // rows finished in the current pass
	perPass int             // rows of the first pass, once it is over
	done    int             // rows finished in every pass so far
	fails   failScanner
	lines   int
}

func newProgress(w io.Writer, passes int, now func() time.Time) *progress {
	return &progress{w: w, passes: passes, start: now(), now: now, pass: 1, seen: map[string]bool{}}
}

// line takes one line of output.
func (p *progress) line(s string) {
	p.lines++
	if f := p.fails.line(p.lines, s); f != nil {
		p.finish(f.Name, "FAILED: "+f.Reason)
		return
	}
	if !strings.HasPrefix(s, "Benchmark") {
		return
	}
	name, rest, ok := strings.Cut(s, "\t")
	if !ok || !strings.Contains(rest, "ns/op") {
		return
	}
	name = strings.TrimSpace(name)
	if i := strings.LastIndexByte(name, '-'); i > 0 && strings.Trim(name[i+1:], "0123456789") == "" {
		name = name[:i]
	}
	p.finish(name, resultFigure(rest))
}

// end reports a failure whose reason never came.
func (p *progress) end() {
	if f := p.fails.end(); f != nil {
		p.finish(f.Name, "FAILED")
	}
}

// finish reports one finished row; a row seen before in this pass starts
// the next pass.
func (p *progress) finish(name, what string) {
	if p.seen[name] {
		if p.perPass == 0 {
			p.perPass = len(p.seen)
		}
		p.pass++
		p.seen = map[string]bool{}
	}
	p.seen[name] = true
	p.done++
	elapsed := p.now().Sub(p.start)
	remains := "first pass"
	if p.perPass > 0 {
		total := p.perPass * p.passes
		left := max(total-p.done, 0)
		eta := time.Duration(float64(elapsed) / float64(p.done) * float64(left))
		remains = fmt.Sprintf("row %d of %d, about %s left", p.done, total, clock(eta))
	}
	fmt.Fprintf(p.w, "[%s pass %d/%d, %s] %s %s\n", clock(elapsed), p.pass, p.passes, remains, name, what)
}

// resultFigure picks the row's headline figure from a result line: msg/s,
// else p50-ns, else ns/op.
func resultFigure(rest string) string {
	f := strings.Fields(rest)
	for _, unit := range []string{"msg/s", "p50-ns", "ns/op"} {
		for i := 1; i < len(f); i++ {
			if f[i] == unit {
				return f[i-1] + " " + unit
			}
		}
	}
	return ""
}

// clock renders a duration as m:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// followProgress copies in to raw untouched, line by line, and writes a
// line of progress to w for each finished row.
func followProgress(in io.Reader, raw io.Writer, w io.Writer, passes int, now func() time.Time) error {
	p := newProgress(w, passes, now)
	rd := bufio.NewReader(in)
	for {
		s, err := rd.ReadString('\n')
		if s != "" {
			if _, werr := io.WriteString(raw, s); werr != nil {
				return werr
			}
			p.line(strings.TrimRight(s, "\n"))
		}
		if err == io.EOF {
			p.end()
			return nil
		}
		if err != nil {
			return err
		}
	}
}
