package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ipcsuite/ipcsuite/cmd/internal/guest"
	"github.com/ipcsuite/ipcsuite/cmd/internal/results"
	"github.com/ipcsuite/ipcsuite/cmd/internal/vmproto"
)

// A run is one column's raw results, before conversion to test2json.
type run struct {
	Name     string // column name
	Detail   string
	Err      string // the guest did not boot
	Trouble  string // the guest booted and then failed
	Segments []vmproto.Segment
	Elapsed  time.Duration
}

// testArgs are the flags every binary runs with, in every column.
func testArgs(timeout time.Duration) []string {
	return []string{"-test.v=test2json", "-test.short", "-test.timeout=" + timeout.String()}
}

// native runs each binary on this machine, through prefix (e.g. runsc) if
// given, in its package's directory as go test would.
func native(ctx context.Context, name, detail string, prefix []string, bins []guest.Binary, timeout time.Duration) run {
	r := run{Name: name, Detail: detail}
	start := time.Now()
	for _, b := range bins {
		argv := append(append(append([]string{}, prefix...), b.Local), testArgs(timeout)...)
		bctx, cancel := context.WithTimeout(ctx, timeout+time.Minute)
		cmd := exec.CommandContext(bctx, argv[0], argv[1:]...)
		cmd.Dir = b.Dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		began := time.Now()
		err := cmd.Run()
		cancel()
		seg := vmproto.Segment{Pkg: b.Pkg, Output: out.Bytes(), Ended: true, Exit: 0, Elapsed: time.Since(began)}
		if err != nil {
			seg.Exit = -1
			if cmd.ProcessState != nil && cmd.ProcessState.ExitCode() >= 0 {
				seg.Exit = cmd.ProcessState.ExitCode()
			}
		}
		r.Segments = append(r.Segments, seg)
	}
	r.Elapsed = time.Since(start)
	return r
}

func hostDetail() string {
	out, _ := exec.Command("uname", "-r").Output()
	return "this machine, Linux " + strings.TrimSpace(string(out))
}

func gvisorDetail() string {
	out, _ := exec.Command("runsc", "--version").Output()
	first, _, _ := strings.Cut(string(out), "\n")
	return first + " (reports Linux 4.4.0)"
}

// gvisorPrefix runs a binary in a gVisor sandbox without networking.
var gvisorPrefix = []string{"runsc", "--rootless", "--network=none", "do", "--"}

var releaseLine = regexp.MustCompile(`vminit: kernel ([^\s,]+)`)

// inGuest boots one kernel with every binary.
func inGuest(ctx context.Context, name, kernel, pkgDesc, initrd, console string, limit time.Duration, logf func(string, ...any)) run {
	res := guest.RunRetry(ctx, kernel, initrd, console, limit, logf)
	// Binaries that run at once report in the order they end.
	slices.SortStableFunc(res.Segments, func(a, b vmproto.Segment) int { return strings.Compare(a.Pkg, b.Pkg) })
	r := run{Name: name, Detail: pkgDesc, Segments: res.Segments, Elapsed: res.Elapsed}
	if m := releaseLine.FindSubmatch(res.Console); m != nil {
		r.Detail = fmt.Sprintf("Linux %s (%s)", m[1], pkgDesc)
	}
	switch {
	case res.Err != nil && res.Booted:
		r.Trouble = "the guest died after booting: " + res.Err.Error()
	case res.Err != nil:
		r.Err = "did not boot, twice: " + res.Err.Error()
	}
	return r
}

// timeLine says how long a column and each of its binaries took.
func timeLine(r run) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s took %s:", r.Name, results.Seconds(r.Elapsed))
	for i, s := range r.Segments {
		if i > 0 {
			b.WriteString(",")
		}
		took := "did not end"
		if s.Ended {
			took = results.Seconds(s.Elapsed)
		}
		fmt.Fprintf(&b, " %s %s", results.Row(s.Pkg, ""), took)
	}
	return b.String()
}

// toJSON converts each binary's output with go tool test2json. A binary
// that exited non-zero gets the lines go test would print after it, so that
// a failure after PASS (the leak check) fails its package; one that never
// ended gets nothing, and its package lacks a final event.
func toJSON(ctx context.Context, segs []vmproto.Segment) ([]byte, error) {
	var all bytes.Buffer
	for _, s := range segs {
		in := append([]byte{}, s.Output...)
		if s.Ended && s.Exit != 0 {
			if len(in) > 0 && in[len(in)-1] != '\n' {
				in = append(in, '\n')
			}
			in = fmt.Appendf(in, "exit status %d\nFAIL\t%s\t0.000s\n", s.Exit, s.Pkg)
		}
		cmd := exec.CommandContext(ctx, "go", "tool", "test2json", "-t", "-p", s.Pkg)
		cmd.Stdin = bytes.NewReader(in)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("test2json %s: %v", s.Pkg, err)
		}
		if s.Ended {
			if out, err = withElapsed(out, s.Elapsed); err != nil {
				return nil, fmt.Errorf("test2json %s: %v", s.Pkg, err)
			}
		}
		all.Write(out)
	}
	return all.Bytes(), nil
}

// withElapsed puts how long the binary ran in its package's final event,
// as go test -json does: test2json alone times only its own input.
func withElapsed(events []byte, elapsed time.Duration) ([]byte, error) {
	lines := bytes.Split(bytes.TrimSuffix(events, []byte("\n")), []byte("\n"))
	last := len(lines) - 1
	var e map[string]any
	if err := json.Unmarshal(lines[last], &e); err != nil {
		return nil, err
	}
	if t, _ := e["Test"].(string); t != "" || (e["Action"] != "pass" && e["Action"] != "fail") {
		return events, nil // no final package event
	}
	e["Elapsed"] = elapsed.Seconds()
	line, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	lines[last] = line
	return append(bytes.Join(lines, []byte("\n")), '\n'), nil
}
