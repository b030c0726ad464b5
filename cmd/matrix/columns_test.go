package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ipcsuite/ipcsuite/cmd/internal/results"
	"github.com/ipcsuite/ipcsuite/cmd/internal/vmproto"
)

// A binary that printed PASS but exited 1 (the leak check) fails its
// package; one that never ended leaves its package without a final event,
// which the parser counts as a failure.
func TestToJSONKeepsExitStatus(t *testing.T) {
	pass := "=== RUN   TestA\n--- PASS: TestA (0.00s)\nPASS\n"
	segs := []vmproto.Segment{
		{Pkg: results.Module + "/a", Output: []byte(pass), Ended: true, Exit: 0, Elapsed: 2500 * time.Millisecond},
		{Pkg: results.Module + "/b", Output: []byte(pass + "ipcsuite: leak check: the tests left behind:\n"), Ended: true, Exit: 1},
		{Pkg: results.Module + "/c", Output: []byte("=== RUN   TestA\n"), Ended: false},
	}
	events, err := toJSON(context.Background(), segs)
	if err != nil {
		t.Fatal(err)
	}
	cells, times, err := results.ParseTimed(bytes.NewReader(events))
	if err != nil {
		t.Fatal(err)
	}
	if times["a"] != 2500*time.Millisecond {
		t.Errorf("package a ran %v, want the segment's 2.5s", times["a"])
	}
	for row, want := range map[string]results.Outcome{
		"a": results.Pass, "a TestA": results.Pass,
		"b": results.Fail, "b TestA": results.Pass,
		"c": results.Fail, "c TestA": results.Fail,
	} {
		if got := cells[row].Outcome; got != want {
			t.Errorf("%s: %v, want %v (%q)", row, got, want, cells[row].Reason)
		}
	}
}
