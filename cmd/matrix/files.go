package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ipcsuite/ipcsuite/cmd/internal/results"
)

// Each column leaves NAME.json (the test2json stream) and NAME.meta.json
// (what ran and whether it booted) in the output directory.
type meta struct {
	Name    string
	Detail  string
	Err     string
	Trouble string
	Seconds float64
}

// columnOrder is the order of the table's columns.
var columnOrder = []string{"host", "5.10", "6.1", "6.12", "7.x", "gVisor"}

func fileName(column string) string {
	return "col-" + strings.ToLower(column)
}

func save(ctx context.Context, dir string, r run) error {
	logf("%s", timeLine(r))
	events, err := toJSON(ctx, r.Segments)
	if err != nil {
		return err
	}
	base := filepath.Join(dir, fileName(r.Name))
	if err := os.WriteFile(base+".json", events, 0o644); err != nil {
		return err
	}
	m, _ := json.MarshalIndent(meta{r.Name, r.Detail, r.Err, r.Trouble, r.Elapsed.Seconds()}, "", "  ")
	return os.WriteFile(base+".meta.json", m, 0o644)
}

// clearResults removes an earlier run's columns, so that a column not run
// this time does not reappear in the table.
func clearResults(dir string) {
	old, _ := filepath.Glob(filepath.Join(dir, "col-*"))
	for _, f := range old {
		os.Remove(f)
	}
}

func loadColumns(dir string) ([]results.Column, error) {
	metas, _ := filepath.Glob(filepath.Join(dir, "col-*.meta.json"))
	var cols []results.Column
	for _, path := range metas {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var m meta
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		f, err := os.Open(strings.TrimSuffix(path, ".meta.json") + ".json")
		if err != nil {
			return nil, err
		}
		cells, times, err := results.ParseTimed(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		cols = append(cols, results.Column{Name: m.Name, Detail: m.Detail, Cells: cells, Err: m.Err,
			Trouble: m.Trouble, Times: times, Elapsed: time.Duration(m.Seconds * float64(time.Second))})
	}
	rank := func(name string) int {
		for i, n := range columnOrder {
			if n == name {
				return i
			}
		}
		return len(columnOrder)
	}
	sort.SliceStable(cols, func(i, j int) bool { return rank(cols[i].Name) < rank(cols[j].Name) })
	return cols, nil
}

func renderAndJudge(c config) (int, error) {
	cols, err := loadColumns(c.out)
	if err != nil {
		return 0, err
	}
	if len(cols) == 0 {
		return 0, fmt.Errorf("no results in %s", c.out)
	}
	m := results.New(cols)
	md, err := os.Create(filepath.Join(c.out, "matrix.md"))
	if err != nil {
		return 0, err
	}
	defer md.Close()
	if err := results.Markdown(md, m); err != nil {
		return 0, err
	}
	if err := results.Markdown(os.Stdout, m); err != nil {
		return 0, err
	}
	page, err := os.Create(filepath.Join(c.out, "matrix.html"))
	if err != nil {
		return 0, err
	}
	defer page.Close()
	if err := results.HTML(page, m); err != nil {
		return 0, err
	}

	f, err := os.Open(c.expect)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	exps, err := results.ParseExpectations(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", c.expect, err)
	}
	v := results.Judge(m, exps)
	for _, u := range v.Unused {
		logf("%s: matches no cell (stale?): %s", c.expect, u)
	}
	for _, p := range v.Problems {
		logf("%s", p)
	}
	logf("wrote %s and %s; exit %d", md.Name(), page.Name(), v.Code)
	return v.Code, nil
}
