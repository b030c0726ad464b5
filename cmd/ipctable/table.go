package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

// confidence is the level of the interval shown as ±x%. At 0.95,
// benchmath's median interval is unbounded below 6 samples, which is the
// same rule benchstat applies.
const confidence = 0.95

// noSize marks floors that do not depend on message size (futex,
// cacheline, syscall).
const noSize = -1

// cellKey identifies one table cell's samples. Place is "" for floors
// that are not tied to a placement (memcpy).
type cellKey struct {
	Place string
	Name  string // mechanism or floor name
	Size  int    // bytes, or noSize
}

// Data is what ipctable keeps from the input: only the tabulated metric,
// plus the few file configuration values worth printing.
type Data struct {
	Metric string // tidied unit, e.g. "msg/s" or "sec/op"
	Better int    // +1 higher is better, -1 lower is better, 0 unknown
	Config []ConfigValue
	Mechs  map[cellKey][]float64
	Floors map[cellKey][]float64
}

// ConfigValue is a file configuration key with every distinct value seen,
// in input order (several files may come from different machines).
type ConfigValue struct {
	Key    string
	Values []string
}

// scanner is what benchfmt.Reader and benchfmt.Files have in common, so
// stdin and named files go through the same code.
type scanner interface {
	Scan() bool
	Result() benchfmt.Record
	Err() error
}

// Read collects samples of metric from sc. Syntax errors and results
// with unusable names are reported to warn and skipped: one bad line
// should not cost the whole table.
func Read(sc scanner, metric string, warn io.Writer) (*Data, error) {
	// Results carry tidied units (ns/op becomes sec/op), so tidy the
	// request the same way for the lookup to match.
	_, metric = benchunit.Tidy(1, metric)
	d := &Data{
		Metric: metric,
		Mechs:  map[cellKey][]float64{},
		Floors: map[cellKey][]float64{},
	}
	units := benchfmt.UnitMetadataMap{}
	for sc.Scan() {
		switch rec := sc.Result().(type) {
		case *benchfmt.SyntaxError:
			fmt.Fprintln(warn, "ipctable:", rec)
		case *benchfmt.UnitMetadata:
			u := *rec
			units[u.UnitMetadataKey] = &u
		case *benchfmt.Result:
			d.addConfig(rec)
			if err := d.addResult(rec); err != nil {
				file, line := rec.Pos()
				fmt.Fprintf(warn, "ipctable: %s:%d: skipping %s: %v\n", file, line, rec.Name, err)
			}
		}
	}
	// "Unit msg/s better=higher" in the input wins; GetBetter falls back
	// to benchfmt's defaults for well-known units such as sec/op.
	d.Better = units.GetBetter(metric)
	return d, sc.Err()
}

// shownConfig reports whether a file configuration key describes the
// machine or placement well enough to belong above the table.
func shownConfig(key string) bool {
	switch {
	case key == "cpu", key == "cacheline-probe", key == "kernel":
		return true
	case strings.HasPrefix(key, "kernel-"), strings.HasPrefix(key, "place-"):
		return true
	}
	return false
}

func (d *Data) addConfig(r *benchfmt.Result) {
	for _, c := range r.Config {
		if !c.File || !shownConfig(c.Key) {
			continue
		}
		// go test pads the cpu line with spaces.
		val := strings.TrimSpace(string(c.Value))
		i := slices.IndexFunc(d.Config, func(cv ConfigValue) bool { return cv.Key == c.Key })
		if i < 0 {
			d.Config = append(d.Config, ConfigValue{Key: c.Key})
			i = len(d.Config) - 1
		}
		if !slices.Contains(d.Config[i].Values, val) {
			d.Config[i].Values = append(d.Config[i].Values, val)
		}
	}
}

// addResult files one result under its cell. Benchmarks other than Table
// and Floor are ignored without comment: a run may contain anything.
func (d *Data) addResult(r *benchfmt.Result) error {
	base, kv := nameParts(r.Name)
	if base != "Table" && base != "Floor" {
		return nil
	}
	v, ok := r.Value(d.Metric)
	if !ok {
		// Not every floor reports every unit; that is not an error.
		return nil
	}
	size := noSize
	if s, ok := kv["size"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return fmt.Errorf("bad size %q", s)
		}
		size = n
	}
	place := kv["place"]
	if base == "Table" {
		mech := kv["mech"]
		if mech == "" || place == "" || size == noSize {
			return errors.New("want mech=, place= and size= in the name")
		}
		k := cellKey{place, mech, size}
		d.Mechs[k] = append(d.Mechs[k], v)
		return nil
	}
	floor := kv["floor"]
	if floor == "" || (place == "" && size == noSize) {
		return errors.New("want floor= and place= or size= in the name")
	}
	k := cellKey{place, floor, size}
	d.Floors[k] = append(d.Floors[k], v)
	return nil
}

// nameParts splits "Table/mech=pipe/place=same/size=100-8" into "Table"
// and its key=value parts. GOMAXPROCS is dropped so runs with different
// -cpu values still pool into one cell.
func nameParts(n benchfmt.Name) (string, map[string]string) {
	base, parts := n.Parts()
	kv := map[string]string{}
	for _, p := range parts {
		if k, v, ok := strings.Cut(string(p), "="); ok && strings.HasPrefix(k, "/") {
			kv[k[1:]] = v
		}
	}
	return string(base), kv
}

// Options selects what Render prints.
type Options struct {
	Format string   // "md" or "text"
	Places []string // placements to show, in order
}

// table is one rendered placement, format-independent.
type table struct {
	title      string
	header     []string
	rows       [][]string
	floorStart int  // index of the first floor row in rows
	dagger     bool // some cell has too few samples for an interval
}

// Render writes the configuration block and one table per placement.
func Render(w io.Writer, d *Data, opt Options) error {
	var tables []table
	for _, p := range opt.Places {
		if t, ok := d.table(p); ok {
			tables = append(tables, t)
		}
	}
	if len(tables) == 0 {
		return fmt.Errorf("no %s results for place %s", d.Metric, strings.Join(opt.Places, ","))
	}
	md := opt.Format == "md"
	bw := &errWriter{w: w}
	if md {
		bw.printf("# IPC table: median %s\n\n", d.Metric)
	} else {
		bw.printf("IPC table: median %s\n\n", d.Metric)
	}
	if cfg := d.sortedConfig(); len(cfg) > 0 {
		for _, c := range cfg {
			if md {
				bw.printf("- %s: %s\n", c.Key, strings.Join(c.Values, "; "))
			} else {
				bw.printf("%s: %s\n", c.Key, strings.Join(c.Values, "; "))
			}
		}
		bw.printf("\n")
	}
	bw.printf("Cells: median over samples; ±x%% is the half-width of its %g%% confidence interval\n", 100*confidence)
	bw.printf("(benchmath, no distributional assumption); (Nx futex) is the ratio to the futex floor\n")
	bw.printf("at the same placement.\n")
	for _, t := range tables {
		bw.printf("\n")
		if md {
			t.writeMarkdown(bw)
		} else {
			t.writeText(bw)
		}
		if t.dagger {
			bw.printf("\n† fewer than 6 samples: benchstat needs >= 6 samples for a %g%% confidence interval (run with -count=6 or more).\n", 100*confidence)
		}
	}
	return bw.err
}

// sortedConfig puts the machine description first and placements after,
// so the block reads the same whatever order the input used.
func (d *Data) sortedConfig() []ConfigValue {
	rank := func(key string) int {
		switch {
		case key == "cpu":
			return 0
		case strings.HasPrefix(key, "kernel"):
			return 1
		case key == "cacheline-probe":
			return 2
		}
		return 3
	}
	cfg := slices.Clone(d.Config)
	sort.SliceStable(cfg, func(i, j int) bool {
		ri, rj := rank(cfg[i].Key), rank(cfg[j].Key)
		if ri != rj {
			return ri < rj
		}
		return cfg[i].Key < cfg[j].Key
	})
	return cfg
}

// table builds the rows for one placement; ok is false when there is
// nothing measured there.
func (d *Data) table(place string) (table, bool) {
	// Placement-free floors (memcpy) appear in every table, so they
	// alone do not make a placement measured.
	measured := func(m map[cellKey][]float64) bool {
		for k := range m {
			if k.Place == place {
				return true
			}
		}
		return false
	}
	if !measured(d.Mechs) && !measured(d.Floors) {
		return table{}, false
	}
	mechs := d.sortedMechs(place)
	floors := d.floorNames(place)
	sizes := d.sizes(place)
	t := table{title: "place=" + place, header: []string{"Mechanism"}}
	for _, s := range sizes {
		t.header = append(t.header, sizeLabel(s))
	}

	// The futex floor is the ratio's denominator: a mechanism can do no
	// better than the wakeup round trip it is built on.
	futex := math.NaN()
	if xs := d.Floors[cellKey{place, "futex", noSize}]; len(xs) > 0 {
		futex = summarize(xs).Center
	}

	for _, m := range mechs {
		row := []string{m}
		for _, s := range sizes {
			row = append(row, t.cell(d.Mechs[cellKey{place, m, s}], d.Metric, futex))
		}
		t.rows = append(t.rows, row)
	}
	t.floorStart = len(t.rows)
	for _, f := range floors {
		row := []string{"floor=" + f}
		// Size-independent floors go in the first column only; repeating
		// them would suggest they were measured at every size.
		xs := d.Floors[cellKey{place, f, noSize}]
		for i, s := range sizes {
			switch {
			case len(xs) > 0 && i == 0:
				row = append(row, t.cell(xs, d.Metric, math.NaN()))
			case len(xs) > 0:
				row = append(row, "")
			default:
				sized := d.Floors[cellKey{place, f, s}]
				if len(sized) == 0 {
					sized = d.Floors[cellKey{"", f, s}]
				}
				row = append(row, t.cell(sized, d.Metric, math.NaN()))
			}
		}
		t.rows = append(t.rows, row)
	}
	return t, true
}

// cell formats one cell; futex is NaN when no ratio should be shown.
func (t *table) cell(xs []float64, unit string, futex float64) string {
	if len(xs) == 0 {
		return "—"
	}
	sum := summarize(xs)
	var b strings.Builder
	b.WriteString(formatValue(sum.Center, unit))
	if math.IsInf(sum.Lo, 0) || math.IsInf(sum.Hi, 0) {
		// benchmath cannot bound the median with this few samples.
		b.WriteString("†")
		t.dagger = true
	} else if sum.Center != 0 {
		half := (sum.Hi - sum.Lo) / 2 / math.Abs(sum.Center)
		fmt.Fprintf(&b, " ±%.1f%%", 100*half)
	}
	if !math.IsNaN(futex) && futex != 0 {
		fmt.Fprintf(&b, " (%.2fx futex)", sum.Center/futex)
	}
	return b.String()
}

// summarize is the benchstat summary: median with a distribution-free
// confidence interval.
func summarize(xs []float64) benchmath.Summary {
	// NewSample sorts in place; keep the caller's order intact.
	s := benchmath.NewSample(slices.Clone(xs), &benchmath.DefaultThresholds)
	return benchmath.AssumeNothing.Summary(s, confidence)
}

// sortedMechs orders mechanisms worst first at the smallest size, like
// the seed table: for msg/s that is ascending. Mechanisms missing that
// size go last, by name.
func (d *Data) sortedMechs(place string) []string {
	var names []string
	smallest := math.MaxInt
	for k := range d.Mechs {
		if k.Place != place {
			continue
		}
		if !slices.Contains(names, k.Name) {
			names = append(names, k.Name)
		}
		smallest = min(smallest, k.Size)
	}
	center := map[string]float64{}
	for _, n := range names {
		if xs := d.Mechs[cellKey{place, n, smallest}]; len(xs) > 0 {
			center[n] = summarize(xs).Center
		}
	}
	sort.Slice(names, func(i, j int) bool {
		ci, iok := center[names[i]]
		cj, jok := center[names[j]]
		switch {
		case iok != jok:
			return iok
		case !iok || ci == cj:
			return names[i] < names[j]
		case d.Better < 0:
			// Lower is better (sec/op): the worst is the largest.
			return ci > cj
		}
		return ci < cj
	})
	return names
}

// floorOrder lists the well-known floors from closest to the mechanisms
// (futex) to the raw hardware limits; other floors follow by name.
var floorOrder = []string{"futex", "cacheline", "syscall", "memcpy"}

// floorNames lists floors measured at place, plus placement-free ones.
func (d *Data) floorNames(place string) []string {
	var names []string
	for k := range d.Floors {
		if (k.Place == place || k.Place == "") && !slices.Contains(names, k.Name) {
			names = append(names, k.Name)
		}
	}
	rank := func(n string) int {
		if i := slices.Index(floorOrder, n); i >= 0 {
			return i
		}
		return len(floorOrder)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := rank(names[i]), rank(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	return names
}

// sizes lists the message sizes measured at place, including sized
// floors such as memcpy, ascending. A table of only size-free floors still needs one column.
func (d *Data) sizes(place string) []int {
	var sizes []int
	add := func(k cellKey, floor bool) {
		here := k.Place == place || (floor && k.Place == "")
		if here && k.Size != noSize && !slices.Contains(sizes, k.Size) {
			sizes = append(sizes, k.Size)
		}
	}
	for k := range d.Mechs {
		add(k, false)
	}
	for k := range d.Floors {
		add(k, true)
	}
	if len(sizes) == 0 {
		return []int{noSize}
	}
	slices.Sort(sizes)
	return sizes
}

// sizeLabel names a column: binary units when the size is an exact
// multiple, plain bytes otherwise.
func sizeLabel(n int) string {
	switch {
	case n == noSize:
		return "any size"
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// formatValue prints counted rates as grouped integers ("162,441
// msg/s"), which is how IPC tables are usually read; other units get
// benchstat's scaling ("6.16µ sec/op", "8.47Mi B/s").
func formatValue(v float64, unit string) string {
	cls := benchunit.ClassOf(unit)
	if strings.HasSuffix(unit, "/s") && cls == benchunit.Decimal {
		return groupDigits(int64(math.Round(v))) + " " + unit
	}
	return benchunit.Scale(v, cls) + " " + unit
}

// groupDigits renders n with a comma every three digits.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

func (t *table) writeMarkdown(w *errWriter) {
	w.printf("## %s\n\n", t.title)
	row := func(cells []string) {
		w.printf("|")
		for _, c := range cells {
			// A literal | would split the cell.
			w.printf(" %s |", strings.ReplaceAll(c, "|", `\|`))
		}
		w.printf("\n")
	}
	row(t.header)
	// Names left, numbers right.
	align := []string{":--"}
	for range t.header[1:] {
		align = append(align, "--:")
	}
	row(align)
	for _, r := range t.rows {
		row(r)
	}
}

func (t *table) writeText(w *errWriter) {
	w.printf("%s\n\n", t.title)
	widths := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		for i, c := range r {
			// Count runes: †, ± and — are one column but several bytes.
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	row := func(cells []string) {
		var line strings.Builder
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i == 0 {
				line.WriteString(c + pad)
			} else {
				line.WriteString("  " + pad + c)
			}
		}
		w.printf("%s\n", strings.TrimRight(line.String(), " "))
	}
	rule := make([]string, len(widths))
	for i, n := range widths {
		rule[i] = strings.Repeat("-", n)
	}
	row(t.header)
	row(rule)
	for i, r := range t.rows {
		// Set the floors apart from the mechanisms they bound.
		if i == t.floorStart && i > 0 {
			row(rule)
		}
		row(r)
	}
}

// errWriter keeps the first write error so rendering code can stay
// linear instead of checking every Fprintf.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
