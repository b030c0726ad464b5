package table

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

var sizesFlag = flag.String("ipc.sizes", "100,1024",
	"message sizes in bytes of the table benchmarks, comma-separated (the classic table has 100 and 1024)")

// Sizes returns the message sizes of the table benchmarks: 100 B and 1 KB,
// the classic table's, unless -ipc.sizes says otherwise.
func Sizes() []int { return parseSizes("-ipc.sizes", *sizesFlag) }

// parseSizes reads a flag's comma-separated sizes in bytes.
func parseSizes(name, list string) []int {
	var sizes []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			panic(fmt.Sprintf("%s: %q is not a size in bytes", name, f))
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// PingPong measures round trips of size bytes each way between the
// benchmark process and an echo peer placed as place says. One op is one
// round trip. The peer starts once per sample, outside the timed region,
// and the channel is warmed up before timing starts.
func PingPong(b *testing.B, tr Transport, size int, place Placement) {
	ep, peer, msg, release := startPingPong(b, tr, size, place)
	defer release()
	roundTrip := func() {
		if err := ep.Send(msg); err != nil {
			b.Fatalf("send: %s", sys.ErrnoName(err))
		}
		if err := ep.Recv(msg); err != nil {
			b.Fatalf("recv: %s", sys.ErrnoName(err))
		}
	}
	cpu := StartCPUClock(peer.Pid)
	b.SetBytes(int64(2 * size))
	b.ReportAllocs()
	for b.Loop() {
		roundTrip()
	}
	ReportRate(b, cpu)
}

// startPingPong prepares a ping-pong of size bytes for timing: it skips
// what the transport cannot run, starts the echo peer on place.Peer, pins
// the benchmark to place.Self, switches to raw I/O and warms the channel
// up. It returns the benchmark's endpoint, the peer, a message buffer, and
// release, which the caller defers to undo the pinning and raw I/O.
func startPingPong(b *testing.B, tr Transport, size int, place Placement) (ep Endpoint, peer *proc.Peer, msg []byte, release func()) {
	if size > tr.MaxSize {
		b.Skipf("%s carries at most %d bytes", tr.Name, tr.MaxSize)
	}
	if tr.Spins && place.Self == place.Peer {
		b.Skipf("%s spins: two spinners on one CPU starve each other", tr.Name)
	}
	ep, peer = startEcho(b, tr, &place.Peer, modeFixed, size, 0)
	unpin, err := sys.Pin(place.Self)
	if err != nil {
		b.Fatalf("pin to cpu %d: %v", place.Self, err)
	}
	sys.SetRawIO(true)
	release = func() {
		sys.SetRawIO(false)
		unpin()
	}
	msg = make([]byte, size)
	for range 1000 {
		if err := ep.Send(msg); err != nil {
			release()
			b.Fatalf("warm-up send: %s", sys.ErrnoName(err))
		}
		if err := ep.Recv(msg); err != nil {
			release()
			b.Fatalf("warm-up recv: %s", sys.ErrnoName(err))
		}
	}
	return ep, peer, msg, release
}

// ReportRate reports msg/s (round trips per second) and, from cpu, the CPU
// time both processes spent per op.
func ReportRate(b *testing.B, cpu CPUClock) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
	if used := cpu.Used(); used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// A CPUClock reads the CPU time of this process and a peer, from the
// scheduler's nanosecond counters, so that a spinning variant shows the
// cores it burns.
type CPUClock struct {
	pids  []int
	start time.Duration
}

// StartCPUClock starts counting the CPU time of this process and of pid.
func StartCPUClock(pid int) CPUClock {
	c := CPUClock{pids: []int{os.Getpid(), pid}}
	c.start = c.total()
	return c
}

// Used returns the CPU time spent since the clock started, or 0 when the
// counters are unreadable.
func (c CPUClock) Used() time.Duration {
	if c.start < 0 {
		return 0
	}
	return c.total() - c.start
}

func (c CPUClock) total() time.Duration {
	var sum time.Duration
	for _, pid := range c.pids {
		tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/schedstat")
		if len(tasks) == 0 {
			return -1
		}
		for _, f := range tasks {
			data, err := os.ReadFile(f)
			if err != nil {
				continue // the thread has exited
			}
			ns, err := strconv.ParseInt(strings.Fields(string(data))[0], 10, 64)
			if err != nil {
				return -1
			}
			sum += time.Duration(ns)
		}
	}
	return sum
}
