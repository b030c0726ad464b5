package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
)

// rateUnit is the unit of every throughput cell and floor.
const rateUnit = "msg/s"

// latencyUnits are the metrics of the latency benchmark, in column order.
var latencyUnits = []string{"p50-ns", "p90-ns", "p99-ns", "p99.9-ns", "max-ns"}

// noSize marks floors that do not depend on message size.
const noSize = -1

// A key names one group of samples: a transport's or a floor's, at one
// placement and message size.
type key struct {
	Floor bool
	Name  string // transport or floor name
	Place string // "" for placement-free floors (memcpy)
	Size  int    // bytes, or noSize
}

// A Run is one input: every msg/s sample of the table and floor
// benchmarks, every latency percentile, and the machine's description.
type Run struct {
	Name     string
	Rates    map[key][]float64
	Latency  map[key]map[string][]float64
	Config   []ConfigValue
	Warnings []string
	// ClockNs are the floors measured in ns/op, not msg/s (floor=clock).
	ClockNs map[key][]float64
	// Failures are the failed samples of rows, in input order.
	Failures []Failure
}

// A ConfigValue is a file configuration key with the distinct values seen,
// in input order, and the line of each value's first appearance.
type ConfigValue struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
	Lines  []int    `json:"-"`
}

// config returns the values of key, or nil.
func (r *Run) config(key string) []string {
	for _, c := range r.Config {
		if c.Key == key {
			return c.Values
		}
	}
	return nil
}

// placements lists the placements of the run: those the configuration
// describes, in its order, then any others the results name.
func (r *Run) placements() []string {
	var out []string
	for _, c := range r.Config {
		if p, ok := strings.CutPrefix(c.Key, "place-"); ok {
			out = append(out, p)
		}
	}
	var extra []string
	for _, k := range r.rowKeys() {
		if k.Place != "" && !slices.Contains(out, k.Place) && !slices.Contains(extra, k.Place) {
			extra = append(extra, k.Place)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

// sizes lists the message sizes of the transports' rows, ascending.
func (r *Run) sizes() []int {
	var out []int
	for _, k := range r.rowKeys() {
		if !k.Floor && k.Size != noSize && !slices.Contains(out, k.Size) {
			out = append(out, k.Size)
		}
	}
	slices.Sort(out)
	return out
}

// transports lists every transport with a msg/s result or a failed row.
func (r *Run) transports() []string {
	var out []string
	for _, k := range r.rowKeys() {
		if !k.Floor && !slices.Contains(out, k.Name) {
			out = append(out, k.Name)
		}
	}
	slices.Sort(out)
	return out
}

// rowKeys lists the keys of every msg/s result and every failed row.
func (r *Run) rowKeys() []key {
	var out []key
	for k := range r.Rates {
		out = append(out, k)
	}
	for _, f := range r.Failures {
		if k, ok := f.rowKey(); ok {
			out = append(out, k)
		}
	}
	return out
}

// spins reports whether a transport busy-waits, from the configuration
// line that lists the spinning transports when the run has one, and from
// the "-spin" naming convention otherwise.
func (r *Run) spins(transport string) bool {
	if vals := r.config("spinning"); vals != nil {
		for _, v := range vals {
			if slices.Contains(strings.Fields(v), transport) {
				return true
			}
		}
		return false
	}
	return strings.HasSuffix(transport, "-spin")
}

// An InputError lists what is wrong with an input, each problem with its
// file and line.
type InputError struct{ Problems []string }

func (e *InputError) Error() string { return strings.Join(e.Problems, "\n") }

// The projection of a result name onto the keys ipctable groups by.
var (
	projection                                               *benchproc.Projection
	fieldBench, fieldMech, fieldFloor, fieldPlace, fieldSize *benchproc.Field
)

func init() {
	var pp benchproc.ProjectionParser
	p, err := pp.Parse(".name,/mech,/floor,/place,/size", nil)
	if err != nil {
		panic(err)
	}
	projection = p
	fs := p.Fields()
	fieldBench, fieldMech, fieldFloor, fieldPlace, fieldSize = fs[0], fs[1], fs[2], fs[3], fs[4]
}

// Read parses one input in go test -bench format. Every problem that
// makes the table wrong is an error naming the file and line: syntax
// errors, results that lack the suite's name keys or metrics, a msg/s
// with no unit metadata, an input without msg/s results. Results of
// other benchmarks are ignored.
func Read(name string, data []byte) (*Run, error) {
	run := &Run{Name: name, Rates: map[key][]float64{}, Latency: map[key]map[string][]float64{}, ClockNs: map[key][]float64{}}
	var problems []string
	bad := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &InputError{[]string{fmt.Sprintf("%s:1: empty input: want go test -bench output", name)}}
	}
	rowFailed := false
	failures := scanFailures(data)
	for _, f := range failures {
		// Failures of other benchmarks are ignored, as their results are.
		if k, ok := f.rowKey(); ok && (f.Bench == "Table" || f.Bench == "Latency" || f.Bench == "Floor") {
			run.Failures = append(run.Failures, f)
			rowFailed = rowFailed || !k.Floor
		}
	}
	// go test prints a row's name before running it: the line of a row
	// that then fails is its name and the failure, which benchfmt cannot
	// parse.
	failedAt := map[int]bool{}
	for _, f := range failures {
		failedAt[f.Line] = true
	}
	hasRateMeta := false
	firstRate := 0
	rd := benchfmt.NewReader(bytes.NewReader(data), name)
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			if !failedAt[rec.Line] {
				bad(rec.Line, "%s", rec.Msg)
			}
		case *benchfmt.UnitMetadata:
			if rec.UnitMetadataKey.Unit == rateUnit {
				hasRateMeta = true
			}
		case *benchfmt.Result:
			_, line := rec.Pos()
			run.addConfig(rec, line)
			got, err := run.add(rec)
			if err != nil {
				bad(line, "%s: %v", rec.Name.Full(), err)
			}
			if got && firstRate == 0 {
				firstRate = line
			}
		}
	}
	if err := rd.Err(); err != nil {
		problems = append(problems, fmt.Sprintf("%s: %v", name, err))
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	switch {
	case firstRate == 0 && len(problems) == 0 && !rowFailed:
		bad(lines, "no %s results of BenchmarkTable in %d lines", rateUnit, lines)
	case firstRate > 0 && !hasRateMeta:
		bad(firstRate, "unit %s has no metadata: want a line \"Unit %s better=higher\" before the results", rateUnit, rateUnit)
	}
	if len(problems) > 0 {
		return nil, &InputError{problems}
	}
	run.warnMixedMachines()
	return run, nil
}

// add files one result's samples; it reports whether the result carried
// a transport's msg/s sample.
func (r *Run) add(res *benchfmt.Result) (bool, error) {
	k := projection.Project(res)
	bench := k.Get(fieldBench)
	if bench != "Table" && bench != "Floor" && bench != "Latency" {
		return false, nil
	}
	place := k.Get(fieldPlace)
	size := noSize
	if s := k.Get(fieldSize); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return false, fmt.Errorf("size %q is not a byte count", s)
		}
		size = n
	}
	var id key
	switch bench {
	case "Table", "Latency":
		mech := k.Get(fieldMech)
		if mech == "" || place == "" || size == noSize {
			return false, errors.New("want mech=, place= and size= in the name")
		}
		id = key{Name: mech, Place: place, Size: size}
	case "Floor":
		floor := k.Get(fieldFloor)
		if floor == "" || (place == "" && size == noSize) {
			return false, errors.New("want floor= and place= or size= in the name")
		}
		id = key{Floor: true, Name: floor, Place: place, Size: size}
	}
	if bench == "Latency" {
		got := false
		for _, u := range latencyUnits {
			if v, ok := nsValue(res, u); ok {
				if r.Latency[id] == nil {
					r.Latency[id] = map[string][]float64{}
				}
				r.Latency[id][u] = append(r.Latency[id][u], v)
				got = true
			}
		}
		if !got {
			return false, fmt.Errorf("no latency metric (%s)", strings.Join(latencyUnits, ", "))
		}
		return false, nil
	}
	v, ok := res.Value(rateUnit)
	if !ok && id.Floor {
		// A floor timed per op rather than per round trip: the cost of one
		// reading of the clock that every latency figure contains.
		if ns, ok := nsValue(res, "ns/op"); ok {
			r.ClockNs[id] = append(r.ClockNs[id], ns)
			return false, nil
		}
	}
	if !ok {
		return false, fmt.Errorf("no %s metric", rateUnit)
	}
	if !(v > 0) || math.IsInf(v, 0) {
		return false, fmt.Errorf("%s of %v is not a rate", rateUnit, v)
	}
	r.Rates[id] = append(r.Rates[id], v)
	// Floors alone make no table.
	return !id.Floor, nil
}

// shownConfig reports whether a file configuration key belongs in the
// table's footer or tells rows apart.
func shownConfig(key string) bool {
	switch key {
	case "cpu", "kernel", "go", "goos", "goarch", "spinning", "cacheline-probe":
		return true
	}
	return strings.HasPrefix(key, "place-")
}

func (r *Run) addConfig(res *benchfmt.Result, line int) {
	for _, c := range res.Config {
		if !c.File || !shownConfig(c.Key) {
			continue
		}
		// go test pads the cpu line with spaces.
		val := strings.TrimSpace(string(c.Value))
		i := slices.IndexFunc(r.Config, func(cv ConfigValue) bool { return cv.Key == c.Key })
		if i < 0 {
			r.Config = append(r.Config, ConfigValue{Key: c.Key})
			i = len(r.Config) - 1
		}
		if !slices.Contains(r.Config[i].Values, val) {
			r.Config[i].Values = append(r.Config[i].Values, val)
			r.Config[i].Lines = append(r.Config[i].Lines, line)
		}
	}
}

// warnMixedMachines notes an input whose results come from more than one
// machine or kernel: its cells would pool samples that do not belong
// together.
func (r *Run) warnMixedMachines() {
	for _, key := range []string{"cpu", "kernel", "go"} {
		for _, c := range r.Config {
			if c.Key != key || len(c.Values) < 2 {
				continue
			}
			var seen []string
			for i, v := range c.Values {
				seen = append(seen, fmt.Sprintf("%q (line %d)", v, c.Lines[i]))
			}
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: results from mixed machines: %s %s", r.Name, key, strings.Join(seen, ", ")))
		}
	}
}

// nsValue is the value of a metric in ns, such as p50-ns, which benchfmt
// tidies into seconds (p50-sec): the original figure is kept beside it.
func nsValue(res *benchfmt.Result, unit string) (float64, bool) {
	for _, v := range res.Values {
		switch {
		case v.OrigUnit == unit:
			return v.OrigValue, true
		case v.Unit == unit:
			return v.Value, true
		}
	}
	return 0, false
}
