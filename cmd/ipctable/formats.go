package main

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
)

// WriteJSON writes the table's cells, floors, machine and notes.
func WriteJSON(w io.Writer, t *Table) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}

// csvHeader names the CSV columns, one line per cell.
var csvHeader = []string{
	"place", "row", "transport", "size", "n", "msgs_per_s", "ci_lo", "ci_hi",
	"p50_ns", "p90_ns", "p99_ns", "p99.9_ns", "max_ns", "floor", "floor_ratio", "seed_msgs_per_s", "seed_ratio",
	"failed_samples", "failed_latency_samples", "fail_reason",
}

// WriteCSV writes one line per cell; cells not measured have empty
// figures.
func WriteCSV(w io.Writer, t *Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	num := func(v float64, ok bool) string {
		if !ok {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for _, c := range t.Cells {
		rec := []string{c.Place, c.Row, c.Transport, strconv.Itoa(c.Size)}
		if c.Rate != nil {
			rec = append(rec, strconv.Itoa(c.Rate.N), num(c.Rate.Median, true), num(c.Rate.Lo, c.Rate.Bounded), num(c.Rate.Hi, c.Rate.Bounded))
		} else {
			rec = append(rec, "0", "", "", "")
		}
		for _, u := range latencyUnits {
			v, ok := c.Latency[u]
			rec = append(rec, num(v, ok))
		}
		rec = append(rec, c.Floor, num(c.FloorRatio, c.FloorRatio > 0), num(c.Seed, c.Seed > 0), num(c.SeedRatio, c.SeedRatio > 0),
			strconv.Itoa(c.Failed), strconv.Itoa(c.FailedLatency), c.FailReason)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
