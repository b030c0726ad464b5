// Package vmproto is what the host and the guest's init agree on: the plan
// of test binaries to run, placed in the initramfs, and the frames around
// each binary's output on the results serial port.
package vmproto

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// PlanPath is where the plan sits in the initramfs.
const PlanPath = "/ipcsuite/plan.json"

// A Plan is what the init runs, in order.
type Plan struct {
	Env  []string // added to every binary's environment, e.g. IPCSUITE_TIMESCALE=20
	Runs []Run
	// Parallel is how many binaries run at once. Above one, each binary's
	// output is held until it ends and then sent whole, so that frames
	// never interleave; otherwise it goes out as it comes.
	Parallel int
}

// A Run is one test binary.
type Run struct {
	Pkg  string   // import path, names the frame
	Path string   // the binary in the initramfs
	Dir  string   // working directory (holds the package's testdata)
	Args []string // e.g. -test.v=test2json -test.short
}

// Frames are whole lines. A binary's own output never starts a line with
// the marker in practice; Begin starts with a newline so that End and the
// next Begin always start a line even after output without one.
const marker = "@@ipcsuite "

// Begin opens a binary's output.
func Begin(pkg string) string { return "\n" + marker + "begin " + pkg + "\n" }

// End closes it with the binary's exit status (-1 if it could not start or
// was killed by a signal) and how long it ran.
func End(pkg string, code int, elapsed time.Duration) string {
	return "\n" + marker + "end " + pkg + " " + strconv.Itoa(code) + " " + elapsed.String() + "\n"
}

// Done is the init's last line before power-off.
const Done = "\n" + marker + "done\n"

// A Segment is one binary's output as the host received it.
type Segment struct {
	Pkg     string
	Output  []byte
	Ended   bool          // the End frame arrived
	Exit    int           // valid when Ended
	Elapsed time.Duration // valid when Ended
}

// Split cuts the results port's stream into segments. done reports whether
// the init got to Done: without it the guest died or hung part way.
func Split(r io.Reader) (segs []Segment, done bool, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var cur *Segment
	for sc.Scan() {
		line := sc.Text()
		rest, isFrame := strings.CutPrefix(line, marker)
		if !isFrame {
			if cur != nil {
				cur.Output = append(cur.Output, line...)
				cur.Output = append(cur.Output, '\n')
			}
			continue
		}
		f := strings.Fields(rest)
		switch {
		case len(f) == 2 && f[0] == "begin":
			segs = append(segs, Segment{Pkg: f[1]})
			cur = &segs[len(segs)-1]
		case len(f) == 4 && f[0] == "end" && cur != nil && cur.Pkg == f[1]:
			code, cerr := strconv.Atoi(f[2])
			elapsed, derr := time.ParseDuration(f[3])
			if cerr != nil || derr != nil {
				return segs, false, fmt.Errorf("bad end frame %q", line)
			}
			cur.Ended, cur.Exit, cur.Elapsed = true, code, elapsed
			cur.Output = bytes.TrimSuffix(cur.Output, []byte("\n")) // the frame's own newline
			cur = nil
		case len(f) == 1 && f[0] == "done":
			done = true
		default:
			return segs, false, fmt.Errorf("bad frame %q", line)
		}
	}
	return segs, done, sc.Err()
}
