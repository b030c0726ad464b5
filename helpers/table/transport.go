package table

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// An Endpoint is one process's end of a two-way message channel.
type Endpoint interface {
	// Send sends p as one message, all of it.
	Send(p []byte) error
	// Recv receives one message of exactly len(p) bytes into p. When the
	// other process has gone, it returns an error (io.EOF when nothing of
	// the message arrived); it never blocks for ever on a dead peer.
	Recv(p []byte) error
	// Close releases this end; the other end's Recv then fails.
	Close() error
}

// A PeerWatcher is an Endpoint that cannot see the other process die by
// itself (a SysV queue, shared memory). The harness calls PeerGone in the
// test process once the peer has exited, unless the test has ended; from
// then on Recv must fail once it has delivered whatever the peer sent
// before exiting. PeerGone must not block.
type PeerWatcher interface {
	PeerGone()
}

// A Flusher is an Endpoint whose Send may return while the message is
// still inside the process (a library's own I/O thread writes it later),
// where an exit without Close loses it. The echo peer that exits without
// closing flushes first.
type Flusher interface {
	// Flush returns once everything sent has left the process.
	Flush() error
}

// A Transport is a mechanism's ping-pong channel between the test process
// and a peer process.
type Transport struct {
	Name    string // row name in the table, e.g. "pipe"
	MaxSize int    // largest message the transport carries
	// StreamMax, if set, is the largest message of the streaming benchmark
	// (Streams), which Send and Recv carry although the contract and the
	// table stop at MaxSize. Unset, the transport does not stream.
	StreamMax int
	// Spins marks a transport whose ends busy-wait: it runs only with the
	// two processes on separate CPUs, since two spinners on one CPU starve
	// each other.
	Spins bool
	// Open runs in the test process. It makes the channel, registers its
	// cleanup, and returns the test's endpoint and what the peer needs
	// (Files and Args of the spec; the harness adds its own args after).
	Open func(t testing.TB) (Endpoint, proc.PeerSpec)
	// Attach runs in the peer and builds the peer's endpoint from the
	// files and args that Open handed over.
	Attach func(args []string) (Endpoint, error)
}

var transports struct {
	sync.Mutex
	byName map[string]Transport
}

// Register adds a transport to the contract tests and the table
// benchmarks, and registers the echo role its peers play.
func Register(tr Transport) {
	transports.Lock()
	defer transports.Unlock()
	if transports.byName == nil {
		transports.byName = map[string]Transport{}
	}
	if _, dup := transports.byName[tr.Name]; dup {
		panic("table: transport registered twice: " + tr.Name)
	}
	transports.byName[tr.Name] = tr
	proc.RegisterShared(echoRole(tr), func(args []string) int { return echo(tr, args) })
	proc.RegisterShared(endRole(tr), func(args []string) int { return scriptedEnd(tr, args) })
}

// Transports returns the registered transports sorted by name.
func Transports() []Transport {
	transports.Lock()
	defer transports.Unlock()
	var out []Transport
	for _, tr := range transports.byName {
		out = append(out, tr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func echoRole(tr Transport) string { return "echo/" + tr.Name }

// Echo modes, passed as the peer's last three args with a count and a
// seed: what to expect and echo.
const (
	modeFixed = "fixed" // messages of one size until the test closes
	modeSizes = "sizes" // one message of each of integritySizes(n), checksummed
	modeShort = "short" // the same with integritySizes(n, short, seed)
	modeSeq   = "seq"   // sequence-numbered messages; exit after n
	modeSink  = "sink"  // messages of n bytes, answered only when marked (Stream)
)

// StartEcho opens the transport and starts an echo peer in the given mode.
func startEcho(t testing.TB, tr Transport, cpu *int, mode string, n int, seed uint64) (Endpoint, *proc.Peer) {
	t.Helper()
	ep, spec := tr.Open(t)
	spec.Args = append(spec.Args, mode, strconv.Itoa(n), strconv.FormatUint(seed, 10))
	spec.CPU = cpu
	p := proc.Spawn(t, echoRole(tr), spec)
	t.Cleanup(func() { ep.Close() })
	if w, ok := ep.(PeerWatcher); ok {
		// PeerGone must not run once the test's cleanups have released
		// the endpoint's resources: the mutex orders the two.
		var mu sync.Mutex
		ended := false
		go func() {
			<-p.Done()
			mu.Lock()
			defer mu.Unlock()
			if !ended {
				w.PeerGone()
			}
		}()
		t.Cleanup(func() { mu.Lock(); ended = true; mu.Unlock() })
	}
	return ep, p
}

// echo is the peer's side of every transport: it sends back what it gets.
func echo(tr Transport, args []string) int {
	if len(args) < 3 {
		proc.Fatalf("echo: want args ... mode n seed, got %q", args)
	}
	mode, n, s := args[len(args)-3], args[len(args)-2], args[len(args)-1]
	count, err := strconv.Atoi(n)
	if err != nil {
		proc.Fatalf("echo: bad count %q", n)
	}
	seed, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		proc.Fatalf("echo: bad seed %q", s)
	}
	ep, err := tr.Attach(args[:len(args)-3])
	proc.Check(err, "attach "+tr.Name)
	buf := make([]byte, max(tr.MaxSize, tr.StreamMax, seqLen))
	switch mode {
	case modeFixed:
		// The benchmark's peer: one locked thread, raw calls (sys.SetRawIO).
		runtime.LockOSThread()
		sys.SetRawIO(true)
		msg := buf[:count]
		for {
			if err := ep.Recv(msg); err != nil {
				return 0 // the test closed its end
			}
			proc.Check(ep.Send(msg), "echo send")
		}
	case modeSink:
		runtime.LockOSThread()
		sys.SetRawIO(true)
		msg := buf[:count]
		for {
			if err := ep.Recv(msg); err != nil {
				return 0 // the test closed its end
			}
			if msg[0] == syncMark {
				proc.Check(ep.Send(msg), "sink answer")
			}
		}
	case modeSizes, modeShort:
		for _, size := range integritySizes(count, mode == modeShort, seed) {
			msg := buf[:size]
			proc.Check(ep.Recv(msg), fmt.Sprintf("recv message of %d bytes", size))
			if !checksumOK(msg) {
				proc.Fatalf("message of %d bytes arrived corrupted", size)
			}
			proc.Check(ep.Send(msg), "echo send")
		}
	case modeSeq:
		msg := buf[:seqLen]
		for i := uint64(0); i < uint64(count); i++ {
			proc.Check(ep.Recv(msg), "recv sequence message")
			if got := seqOf(msg); got != i {
				proc.Fatalf("sequence: got message %d, want %d", got, i)
			}
			proc.Check(ep.Send(msg), "echo send")
		}
		if f, ok := ep.(Flusher); ok {
			proc.Check(f.Flush(), "flush")
		}
		os.Exit(0) // without closing: the test must see the peer vanish
	default:
		proc.Fatalf("echo: unknown mode %q", mode)
	}
	ep.Close()
	return 0
}
