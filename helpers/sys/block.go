package sys

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Scale stretches a duration by IPCSUITE_TIMESCALE (default 1), which a
// runner sets where the suite runs slower, as under CPU emulation.
func Scale(d time.Duration) time.Duration {
	if f, err := strconv.ParseFloat(os.Getenv("IPCSUITE_TIMESCALE"), 64); err == nil && f > 0 {
		return time.Duration(float64(d) * f)
	}
	return d
}

// defaultDeadline bounds a test when go test runs without -timeout.
const defaultDeadline = 60 * time.Second

// Deadline is when a wait in the test gives up: a little before the
// test binary's own deadline, so that the failure names what was stuck
// rather than ending in a panic dump.
func Deadline(t testing.TB) time.Time {
	limit := time.Now().Add(Scale(defaultDeadline))
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dt.Deadline(); ok {
			if d = d.Add(-Scale(5 * time.Second)); d.Before(limit) {
				limit = d
			}
		}
	}
	return limit
}

// BlockBound is how long a call must stay unreturned to count as blocked.
// A call that would return at once does so in microseconds; the bound is
// generous so that a loaded machine does not make a returning call look
// blocked, which would hide nothing but cost time.
func BlockBound() time.Duration { return Scale(100 * time.Millisecond) }

// WakeBound is how long a wait for an expected wake-up lasts: a call shown
// blocked, once the test has done what must release it, returns in
// microseconds, so one that has not returned by then never will. It keeps
// the cost of a missing wake-up (a kernel that does not deliver one) to
// seconds rather than the test's whole deadline.
func WakeBound() time.Duration { return Scale(5 * time.Second) }

// WakeLimit is when a wait for an expected wake-up gives up: WakeBound
// from now, and never after the deadline.
func WakeLimit(t testing.TB) time.Time {
	limit, deadline := time.Now().Add(WakeBound()), Deadline(t)
	if deadline.Before(limit) {
		return deadline
	}
	return limit
}

// Pending is a call running on its own goroutine (and, while it blocks in
// the kernel, its own OS thread).
type Pending[T any] struct {
	what    string
	done    chan T
	blocked bool // shown blocked: Wait waits for a wake-up
}

// Start runs op in the background.
func Start[T any](what string, op func() T) *Pending[T] {
	p := &Pending[T]{what: what, done: make(chan T, 1)}
	go func() { p.done <- op() }()
	return p
}

// RequireBlocked fails the test if the call returns within BlockBound.
// From then on Wait waits for a wake-up: WakeBound at most.
func (p *Pending[T]) RequireBlocked(t testing.TB) {
	t.Helper()
	select {
	case v := <-p.done:
		p.done <- v
		t.Fatalf("%s returned %v at once; want it to block", p.what, v)
	case <-time.After(BlockBound()):
		p.blocked = true
	}
}

// Wait returns the call's result, failing the test if it has not returned
// by the deadline or, for a call shown blocked, within WakeBound: the test
// has released it before waiting.
func (p *Pending[T]) Wait(t testing.TB) T {
	t.Helper()
	limit := Deadline(t)
	if p.blocked {
		limit = WakeLimit(t)
	}
	select {
	case v := <-p.done:
		return v
	case <-time.After(time.Until(limit)):
		if p.blocked {
			t.Fatalf("%s, shown blocked, still blocked %v after it should have been woken", p.what, WakeBound())
		}
		t.Fatalf("%s still blocked at the deadline", p.what)
		var zero T
		return zero
	}
}

// Blocks proves that op blocks: it starts op, shows it has not returned
// after BlockBound, runs unblock, and returns op's result, which must come
// within WakeBound.
func Blocks[T any](t testing.TB, what string, op func() T, unblock func()) T {
	t.Helper()
	p := Start(what, op)
	p.RequireBlocked(t)
	unblock()
	return p.Wait(t)
}

// Result pairs a count with an error, for calls like read and write.
type Result struct {
	N   int
	Err error
}

// IO adapts a read- or write-like call for Start and Blocks.
func IO(f func() (int, error)) func() Result {
	return func() Result { n, err := f(); return Result{n, err} }
}

func (r Result) String() string {
	if r.Err != nil {
		return "error " + ErrnoName(r.Err)
	}
	return strconv.Itoa(r.N) + " bytes"
}

// Returns runs op and fails the test unless it returns within BlockBound:
// the proof that a call does not block.
func Returns[T any](t testing.TB, what string, op func() T) T {
	t.Helper()
	p := Start(what, op)
	select {
	case v := <-p.done:
		return v
	case <-time.After(BlockBound()):
		t.Fatalf("%s blocked (no return within %v); want it to return at once", what, BlockBound())
		panic("unreachable")
	}
}

// KernelWaits lists the kernel functions the threads of process pid sleep
// in (/proc/PID/task/TID/wchan; "0" for a running thread).
func KernelWaits(pid int) []string {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
	var out []string
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			out = append(out, string(data))
		}
	}
	return out
}

// RequireKernelWait fails unless a thread of pid is found asleep in the
// kernel function fn (e.g. "wait_for_partner" for a FIFO open, "pipe_read"
// for a pipe read): evidence, beyond silence, that the call in question is
// what blocks. stillBlocked runs between looks and should show, over
// BlockBound, that the call has not returned, which gives a thread that
// has not reached the call yet time to get there. Any of fns counts, since
// the function's name changes between kernel versions. Where the kernel
// names no wait channel at all (older kernels read "0" for every sleeping
// thread; gVisor has no wchan file), the silence that stillBlocked proves
// is the only evidence, and the test log says so.
func RequireKernelWait(t testing.TB, pid int, stillBlocked func(), fns ...string) {
	t.Helper()
	for look := range 20 {
		waits := KernelWaits(pid)
		if slices.ContainsFunc(waits, func(w string) bool { return slices.Contains(fns, w) }) {
			return
		}
		// A Go process always has idle threads asleep in the kernel; if
		// none of them is named once the call has had a bound to block,
		// the kernel names no wait channels.
		if look > 0 && !slices.ContainsFunc(waits, func(w string) bool { return w != "0" }) {
			t.Logf("kernel %s names no wait channel for pid %d: blocking shown by silence alone", KernelRelease(), pid)
			return
		}
		stillBlocked()
	}
	t.Fatalf("no thread of pid %d sleeps in %s; wait channels: %s", pid, strings.Join(fns, " or "), strings.Join(KernelWaits(pid), " "))
}
