package table

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A Placement says where the two processes of a benchmark run. On a small
// machine a wakeup across CPUs costs an order of magnitude more than one on
// the same CPU, and unpinned runs flip between the two, so every row runs
// in named placements.
type Placement struct {
	Name string // "same" or "split"
	Self int    // CPU of the benchmark process
	Peer int    // CPU of the peer
}

// Placements returns "same" (both processes on the last CPU) and, with two
// or more CPUs, "split" (first and last CPU).
func Placements() []Placement {
	last := onlineCPUs() - 1
	ps := []Placement{{Name: "same", Self: last, Peer: last}}
	if last > 0 {
		ps = append(ps, Placement{Name: "split", Self: 0, Peer: last})
	}
	return ps
}

// Split returns the split placement, if the machine has two CPUs.
func Split() (Placement, bool) {
	for _, p := range Placements() {
		if p.Name == "split" {
			return p, true
		}
	}
	return Placement{}, false
}

// onlineCPUs is the number of CPUs the process could use when it started:
// the calling thread's own mask may still be a pinned one.
func onlineCPUs() int { return runtime.NumCPU() }

func init() { proc.BeforeTests(printBenchConfig) }

// printBenchConfig prints, before benchmarks run, the configuration lines
// that make a result readable later: the unit direction for benchstat, the
// kernel, the Go version, the spinning transports, the placements, and a
// cache-line probe, since the host may place the two vCPUs near or far
// apart from one run to the next.
func printBenchConfig() {
	if !flag.Parsed() {
		flag.Parse()
	}
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		return
	}
	fmt.Println("Unit msg/s better=higher")
	fmt.Println("Unit cpu-ns/op better=lower")
	fmt.Printf("kernel: %s\n", sys.KernelRelease())
	fmt.Printf("go: %s\n", runtime.Version())
	// Readers pick each row's floor from this: spinning rows are bound
	// by the cache line, the others by the futex wakeup.
	var spinning []string
	for _, tr := range Transports() {
		if tr.Spins {
			spinning = append(spinning, tr.Name)
		}
	}
	fmt.Printf("spinning: %s\n", strings.Join(spinning, " "))
	for _, p := range Placements() {
		fmt.Printf("place-%s: test on cpu %d, peer on cpu %d\n", p.Name, p.Self, p.Peer)
	}
	if p, ok := Split(); ok {
		if rtt, err := CachelineProbe(p, 20000); err == nil {
			fmt.Printf("cacheline-probe: %v per round trip between cpu %d and %d\n", rtt, p.Self, p.Peer)
		} else {
			fmt.Fprintf(os.Stderr, "cacheline probe: %v\n", err)
		}
	}
}

// CachelineProbe measures a round trip of one cache line between two
// threads on the split CPUs, spinning: a quick reading of how far apart the
// host has put the two vCPUs in this run. Its two goroutines spin on each
// other, so it needs two Ps: under GOMAXPROCS=1 each turn would wait for
// the scheduler to preempt a spinner, and it refuses instead.
func CachelineProbe(p Placement, rounds int) (time.Duration, error) {
	if n := runtime.GOMAXPROCS(0); n < 2 {
		return 0, fmt.Errorf("not measured: GOMAXPROCS is %d, and the probe's two spinning goroutines need two", n)
	}
	var line struct {
		_ [64]byte
		v atomic.Int64
		_ [64]byte
	}
	errc := make(chan error, 1)
	go func() {
		unpin, err := sys.PinThread(p.Peer)
		if err != nil {
			errc <- err
			return
		}
		defer unpin()
		errc <- nil
		for i := int64(1); i < 2*int64(rounds); i += 2 {
			for line.v.Load() != i {
			}
			line.v.Store(i + 1)
		}
	}()
	if err := <-errc; err != nil {
		return 0, err
	}
	unpin, err := sys.PinThread(p.Self)
	if err != nil {
		return 0, err
	}
	defer unpin()
	start := time.Now()
	for i := int64(0); i < 2*int64(rounds); i += 2 {
		line.v.Store(i + 1)
		for line.v.Load() != i+2 {
		}
	}
	return time.Since(start) / time.Duration(rounds), nil
}
