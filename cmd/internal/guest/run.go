package guest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ipcsuite/ipcsuite/cmd/internal/vmproto"
)

// A Result is what one boot brought back.
type Result struct {
	Segments []vmproto.Segment
	Console  []byte
	Elapsed  time.Duration
	Err      error // qemu error, kernel trouble, or no Done frame
	// Booted reports that the init got to running the plan (the first
	// binary's frame arrived): an Err after that is the kernel's or the
	// tests', not a failed boot.
	Booted bool
}

// Run boots kernel with initrd, copying the results port to live (if not
// nil) as it arrives, and checks that the guest finished its plan cleanly.
func Run(ctx context.Context, kernel, initrd, console string, limit time.Duration, live io.Writer) Result {
	var raw bytes.Buffer
	out := io.Writer(&raw)
	if live != nil {
		out = io.MultiWriter(&raw, live)
	}
	start := time.Now()
	err := Boot{Kernel: kernel, Initrd: initrd, Console: console, Results: out, Limit: limit}.Run(ctx)
	r := Result{Elapsed: time.Since(start)}
	r.Console, _ = os.ReadFile(console)
	segs, done, perr := vmproto.Split(&raw)
	r.Segments = segs
	r.Booted = len(segs) > 0 || done
	switch {
	case err != nil:
		r.Err = err
	case Trouble(r.Console) != "":
		r.Err = fmt.Errorf("kernel trouble: %s", Trouble(r.Console))
	case perr != nil:
		r.Err = fmt.Errorf("results port: %v", perr)
	case !done:
		r.Err = fmt.Errorf("the guest powered off before its init finished (%d binaries reported)", len(segs))
	}
	return r
}

// RunRetry is Run, once more if the guest did not boot: a single failure
// may be the emulator's, two in a row are the kernel's. A guest that
// booted and then failed is not run again: the tests were under way.
func RunRetry(ctx context.Context, kernel, initrd, console string, limit time.Duration, logf func(string, ...any)) Result {
	r := Run(ctx, kernel, initrd, console, limit, nil)
	if r.Err != nil && !r.Booted && ctx.Err() == nil {
		logf("%s: boot failed (%v); retrying once", kernel, r.Err)
		os.Rename(console, console+".first")
		r = Run(ctx, kernel, initrd, console, limit, nil)
	}
	return r
}
