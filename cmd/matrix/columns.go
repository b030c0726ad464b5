package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/ipcsuite/ipcsuite/cmd/internal/guest"
	"github.com/ipcsuite/ipcsuite/cmd/internal/vmproto"
)

// A run is one column's raw results, before conversion to test2json.
type run struct {
	Name     string // column name
	Detail   string
	Err      string
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
		err := cmd.Run()
		cancel()
		seg := vmproto.Segment{Pkg: b.Pkg, Output: out.Bytes(), Ended: true, Exit: 0}
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

var (
	releaseLine = regexp.MustCompile(`vminit: kernel ([^\s,]+)`)
	tookLine    = regexp.MustCompile(`vminit: (\S+) took (\S+)`)
)

// inGuest boots one kernel with every binary.
func inGuest(ctx context.Context, name, kernel, pkgDesc, initrd, console string, limit time.Duration, logf func(string, ...any)) run {
	res := guest.RunRetry(ctx, kernel, initrd, console, limit, logf)
	r := run{Name: name, Detail: pkgDesc, Segments: res.Segments, Elapsed: res.Elapsed}
	if m := releaseLine.FindSubmatch(res.Console); m != nil {
		r.Detail = fmt.Sprintf("Linux %s (%s)", m[1], pkgDesc)
	}
	if res.Err != nil {
		r.Err = "boot failed twice: " + res.Err.Error()
	}
	for _, m := range tookLine.FindAllSubmatch(res.Console, -1) {
		logf("%s: %s took %s", name, m[1], m[2])
	}
	return r
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
		all.Write(out)
	}
	return all.Bytes(), nil
}
