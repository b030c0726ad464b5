package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ipcsuite/ipcsuite/cmd/internal/results"
)

func fileName(column string) string { return results.ColumnFile(column) }

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
	m, _ := json.MarshalIndent(results.Meta{Name: r.Name, Detail: r.Detail, Err: r.Err, Trouble: r.Trouble, Seconds: r.Elapsed.Seconds()}, "", "  ")
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

func renderAndJudge(c config) (int, error) {
	cols, err := results.LoadColumns(c.out)
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
