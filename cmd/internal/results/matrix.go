package results

import (
	"fmt"
	"time"
)

// A Column is one kernel (or the host, or gVisor).
type Column struct {
	Name   string          // host, 5.10, 6.1, 6.12, 7.x, gVisor
	Detail string          // what ran there, e.g. the kernel release
	Cells  map[string]Cell // by row
	Err    string          // the guest did not boot: the column has no results
	// Trouble says why a guest that booted ended before its results were
	// all in: the kernel oopsed or panicked, or the guest hung.
	Trouble string
	Times   map[string]time.Duration // how long each package's binary ran, by package row
	Elapsed time.Duration            // the whole column, a guest's boot included
}

// A Matrix is the table: the union of every column's rows.
type Matrix struct {
	Columns []Column
	Rows    []string
}

// New builds the matrix of the given columns, in their order.
func New(cols []Column) Matrix {
	seen := map[string]bool{}
	var rows []string
	for _, c := range cols {
		for row := range c.Cells {
			if !seen[row] {
				seen[row] = true
				rows = append(rows, row)
			}
		}
	}
	SortRows(rows)
	return Matrix{Columns: cols, Rows: rows}
}

// Summary tallies a column's outcomes.
func (c Column) Summary() string {
	n := map[Outcome]int{}
	for _, cell := range c.Cells {
		n[cell.Outcome]++
	}
	return fmt.Sprintf("%d pass, %d skip, %d FAIL", n[Pass], n[Skip], n[Fail])
}
