package main

import (
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"
)

// confidence is the level of every interval, benchstat's.
const confidence = 0.95

// The floors a row is quoted against.
const (
	floorFutex     = "futex"     // a kernel wakeup round trip
	floorCacheline = "cacheline" // a cache line bounced between two spinners
)

// A Stat is the benchstat summary of one group of samples: the median
// with its distribution-free confidence interval.
type Stat struct {
	N       int     `json:"n"`
	Median  float64 `json:"median"`
	Lo      float64 `json:"lo"`
	Hi      float64 `json:"hi"`
	Bounded bool    `json:"bounded"` // false with too few samples for an interval
	Range   string  `json:"range"`   // benchstat's ±x%
}

func summarize(xs []float64) Stat {
	// NewSample sorts in place; keep the caller's order.
	s := benchmath.NewSample(slices.Clone(xs), &benchmath.DefaultThresholds)
	sum := benchmath.AssumeNothing.Summary(s, confidence)
	st := Stat{N: len(xs), Median: sum.Center, Range: "±" + sum.PctRangeString()}
	if !math.IsInf(sum.Lo, 0) && !math.IsInf(sum.Hi, 0) {
		st.Lo, st.Hi, st.Bounded = sum.Lo, sum.Hi, true
	} else {
		st.Lo, st.Hi, st.Range = st.Median, st.Median, "†"
	}
	return st
}

// A Cell is one transport at one placement and size, with what it is
// compared with.
type Cell struct {
	Place      string             `json:"place"`
	Row        string             `json:"row"`
	Transport  string             `json:"transport"`
	Size       int                `json:"size"`
	Measured   bool               `json:"measured"`
	Rate       *Stat              `json:"msgs_per_s,omitempty"`
	Latency    map[string]float64 `json:"latency_ns,omitempty"` // median of each percentile
	Floor      string             `json:"floor,omitempty"`
	FloorRatio float64            `json:"floor_ratio,omitempty"`
	Seed       float64            `json:"seed_msgs_per_s,omitempty"`
	SeedRatio  float64            `json:"seed_ratio,omitempty"`
	// Failed and FailedLatency count the failed samples of the cell's
	// throughput and latency rows; FailReason is the log line of the
	// first.
	Failed        int    `json:"failed_samples,omitempty"`
	FailedLatency int    `json:"failed_latency_samples,omitempty"`
	FailReason    string `json:"fail_reason,omitempty"`
}

// failed reports whether a sample of the cell's rows failed.
func (c Cell) failed() bool { return c.Failed+c.FailedLatency > 0 }

// A PerOpFloor is a floor timed in ns per op at one placement: the clock
// reading that every latency figure contains.
type PerOpFloor struct {
	Place string `json:"place,omitempty"`
	Floor string `json:"floor"`
	Ns    Stat   `json:"ns_per_op"`
}

// A FailedRow is a row of the input with failed samples.
type FailedRow struct {
	Name    string `json:"name"`
	Samples int    `json:"samples"`
	Reason  string `json:"reason"`
}

// failedRows sums the failures of run by row, in input order.
func failedRows(run *Run) []FailedRow {
	var out []FailedRow
	for _, f := range run.Failures {
		i := slices.IndexFunc(out, func(r FailedRow) bool { return r.Name == f.Name })
		if i < 0 {
			out = append(out, FailedRow{Name: f.Name, Reason: f.Reason})
			i = len(out) - 1
		}
		out[i].Samples++
	}
	return out
}

// A FloorCell is one floor at one placement (or size, for memcpy).
type FloorCell struct {
	Place string `json:"place,omitempty"`
	Floor string `json:"floor"`
	Size  int    `json:"size,omitempty"`
	Rate  Stat   `json:"msgs_per_s"`
}

// A Table is everything the formats render, computed once.
type Table struct {
	Places  []string      `json:"placements"`
	Sizes   []int         `json:"sizes"`
	Machine []ConfigValue `json:"machine"`
	Seed    string        `json:"seed_machine"`
	Groups  []group       `json:"rows"`
	Cells   []Cell        `json:"cells"`
	Floors  []FloorCell   `json:"floors"`
	Notes   []string      `json:"notes"`
	Failed  []FailedRow   `json:"failed_rows,omitempty"`
	// PerOp are the floors timed in ns per op, by placement.
	PerOp    []PerOpFloor `json:"per_op_floors,omitempty"`
	index    map[cellID]int
	Warnings []string `json:"warnings,omitempty"`
}

// build computes the table of run at the given placements.
func build(run *Run, seed *seedTable, places []string) *Table {
	t := &Table{Places: places, Sizes: run.sizes(), Machine: run.Config, Warnings: run.Warnings, index: map[cellID]int{}}
	if seed != nil {
		t.Seed = seed.Machine
	}
	t.Groups = groups(run.transports())
	floorAt := map[[2]string]float64{}
	for _, p := range places {
		for _, f := range floorNames(run, p) {
			if xs := run.Rates[key{Floor: true, Name: f.Name, Place: f.Place, Size: f.Size}]; len(xs) > 0 {
				st := summarize(xs)
				t.Floors = append(t.Floors, FloorCell{Place: p, Floor: f.Name, Size: max(f.Size, 0), Rate: st})
				if f.Size == noSize {
					floorAt[[2]string{p, f.Name}] = st.Median
				}
			}
		}
	}
	for _, p := range places {
		for _, g := range t.Groups {
			for _, tr := range g.Transports {
				floor := floorFutex
				if run.spins(tr) {
					floor = floorCacheline
				}
				for _, size := range t.Sizes {
					c := Cell{Place: p, Row: g.Row, Transport: tr, Size: size}
					k := key{Name: tr, Place: p, Size: size}
					if xs := run.Rates[k]; len(xs) > 0 {
						st := summarize(xs)
						c.Measured, c.Rate = true, &st
						if f := floorAt[[2]string{p, floor}]; f > 0 {
							c.Floor, c.FloorRatio = floor, st.Median/f
						}
						if s := seed.figure(g.Seed, size); s > 0 {
							c.Seed, c.SeedRatio = s, st.Median/s
						}
					}
					if lat := run.Latency[k]; len(lat) > 0 {
						c.Latency = map[string]float64{}
						for u, xs := range lat {
							c.Latency[u] = summarize(xs).Median
						}
					}
					for _, f := range run.Failures {
						if fk, ok := f.rowKey(); ok && fk == k {
							if c.Failed+c.FailedLatency == 0 {
								c.FailReason = f.Reason
							}
							if f.Bench == "Latency" {
								c.FailedLatency++
							} else {
								c.Failed++
							}
						}
					}
					// Only what was measured: the product of every placement,
					// transport and size can be far larger than the input.
					if c.Measured || c.Latency != nil || c.failed() {
						t.index[cellID{p, tr, size}] = len(t.Cells)
						t.Cells = append(t.Cells, c)
					}
				}
			}
		}
	}
	t.Notes = notes(run)
	t.Failed = failedRows(run)
	for _, p := range places {
		for k, xs := range run.ClockNs {
			if k.Place == p {
				t.PerOp = append(t.PerOp, PerOpFloor{Place: p, Floor: k.Name, Ns: summarize(xs)})
			}
		}
	}
	slices.SortStableFunc(t.PerOp, func(a, b PerOpFloor) int { return strings.Compare(a.Floor, b.Floor) })
	return t
}

// cellID locates a cell in Table.Cells.
type cellID struct {
	place, transport string
	size             int
}

// cell finds the cell of transport at place and size.
func (t *Table) cell(place, transport string, size int) (Cell, bool) {
	i, ok := t.index[cellID{place, transport, size}]
	if !ok {
		return Cell{}, false
	}
	return t.Cells[i], true
}

// floorOrder lists the well-known floors from the one closest to the
// rows to the raw hardware limits; others follow by name.
var floorOrder = []string{floorFutex, floorCacheline, "syscall", "memcpy"}

// floorNames lists the floors measured at place and the placement-free
// ones, as keys.
func floorNames(run *Run, place string) []key {
	var out []key
	for k := range run.Rates {
		if k.Floor && (k.Place == place || k.Place == "") && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	rank := func(n string) int {
		if i := slices.Index(floorOrder, n); i >= 0 {
			return i
		}
		return len(floorOrder)
	}
	slices.SortFunc(out, func(a, b key) int {
		if ra, rb := rank(a.Name), rank(b.Name); ra != rb {
			return ra - rb
		}
		if a.Name != b.Name {
			if a.Name < b.Name {
				return -1
			}
			return 1
		}
		return a.Size - b.Size
	})
	return out
}
