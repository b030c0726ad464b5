package helpers

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
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

// pinProcess pins every thread of this process to cpu. Threads made later
// inherit the mask from the thread that makes them.
func pinProcess(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	return setAffinityAll(&set)
}

func setAffinityAll(set *unix.CPUSet) error {
	tasks, err := filepath.Glob("/proc/self/task/*")
	if err != nil {
		return err
	}
	for _, task := range tasks {
		tid, err := strconv.Atoi(filepath.Base(task))
		if err != nil {
			continue
		}
		// A thread may exit between the listing and the call.
		if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH {
			return fmt.Errorf("sched_setaffinity(%d): %w", tid, err)
		}
	}
	return nil
}

// Pin pins every thread of the test process to cpu and locks the calling
// goroutine to its thread. The returned function undoes both.
func Pin(cpu int) (unpin func(), err error) {
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return nil, err
	}
	runtime.LockOSThread()
	if err := pinProcess(cpu); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	return func() {
		setAffinityAll(&old)
		runtime.UnlockOSThread()
	}, nil
}

// printBenchConfig prints, before benchmarks run, the configuration lines
// that make a result readable later: the unit direction for benchstat, the
// kernel, the placements, and a cache-line probe, since the host may place
// the two vCPUs near or far apart from one run to the next.
func printBenchConfig() {
	if !flag.Parsed() {
		flag.Parse()
	}
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		return
	}
	fmt.Println("Unit msg/s better=higher")
	fmt.Println("Unit cpu-ns/op better=lower")
	fmt.Printf("kernel: %s\n", KernelRelease())
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
// host has put the two vCPUs in this run.
func CachelineProbe(p Placement, rounds int) (time.Duration, error) {
	var line struct {
		_ [64]byte
		v atomic.Int64
		_ [64]byte
	}
	errc := make(chan error, 1)
	go func() {
		unpin, err := pinThread(p.Peer)
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
	unpin, err := pinThread(p.Self)
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

// pinThread locks the goroutine to its thread and pins that thread alone.
func pinThread(cpu int) (func(), error) {
	runtime.LockOSThread()
	var old, set unix.CPUSet
	unix.SchedGetaffinity(0, &old)
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	return func() {
		unix.SchedSetaffinity(0, &old)
		runtime.UnlockOSThread()
	}, nil
}
