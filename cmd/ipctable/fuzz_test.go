package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary input through the reading path and every
// format: a bad input must be an error, never a panic.
func FuzzRead(f *testing.F) {
	inputs, err := filepath.Glob("testdata/*.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range inputs {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	seed, err := loadSeed("testdata/seed.txt", seedText)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := Read("fuzz.txt", data)
		if err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if len(run.transports()) == 0 {
			t.Fatal("Read accepted an input without msg/s results")
		}
		tab := build(run, seed, run.placements())
		for _, write := range []func(io.Writer, *Table) error{WriteMarkdown, WriteCSV, WriteJSON, WriteSVG} {
			if err := write(io.Discard, tab); err != nil {
				t.Fatal(err)
			}
		}
		if err := WriteComparison(io.Discard, io.Discard, run, run, run.placements()); err != nil && len(compare(run, run, run.placements())) > 0 {
			t.Fatal(err)
		}
	})
}
