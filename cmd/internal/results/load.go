package results

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// A matrix run leaves, per column, FILE.json (the test2json stream) and
// FILE.meta.json (a Meta: what ran and whether it booted) in its output
// directory, FILE being ColumnFile of the column's name.

// Meta is what a column's .meta.json holds.
type Meta struct {
	Name    string
	Detail  string
	Err     string
	Trouble string
	Seconds float64
}

// ColumnOrder is the order of the matrix's columns.
var ColumnOrder = []string{"host", "5.10", "6.1", "6.12", "7.x", "gVisor"}

// ColumnFile is the base name of a column's files.
func ColumnFile(column string) string {
	return "col-" + strings.ToLower(column)
}

// LoadColumns reads every column a matrix run left in dir, in ColumnOrder.
func LoadColumns(dir string) ([]Column, error) {
	metas, _ := filepath.Glob(filepath.Join(dir, "col-*.meta.json"))
	var cols []Column
	for _, path := range metas {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var m Meta
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		f, err := os.Open(strings.TrimSuffix(path, ".meta.json") + ".json")
		if err != nil {
			return nil, err
		}
		cells, times, err := ParseTimed(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		cols = append(cols, Column{Name: m.Name, Detail: m.Detail, Cells: cells, Err: m.Err,
			Trouble: m.Trouble, Times: times, Elapsed: time.Duration(m.Seconds * float64(time.Second))})
	}
	rank := func(name string) int {
		for i, n := range ColumnOrder {
			if n == name {
				return i
			}
		}
		return len(ColumnOrder)
	}
	sort.SliceStable(cols, func(i, j int) bool { return rank(cols[i].Name) < rank(cols[j].Name) })
	return cols, nil
}
