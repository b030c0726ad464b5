package table

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
)

// A faulty loopback is an in-process Endpoint that hands back what it was
// sent, as one byte stream, except for the messages of one size, which it
// corrupts (last bit flipped), truncates (one byte short) or drops. Recv
// reports io.ErrUnexpectedEOF where a real transport would wait for ever.
type faultyLoopback struct {
	size  int
	fault string
	queue []byte
}

func (l *faultyLoopback) Send(p []byte) error {
	msg := slices.Clone(p)
	if len(p) == l.size {
		switch l.fault {
		case "corrupt":
			msg[len(msg)-1] ^= 1
		case "truncate":
			msg = msg[:len(msg)-1]
		case "drop":
			msg = nil
		}
	}
	l.queue = append(l.queue, msg...)
	return nil
}

func (l *faultyLoopback) Recv(p []byte) error {
	if len(l.queue) < len(p) {
		return io.ErrUnexpectedEOF
	}
	copy(p, l.queue)
	l.queue = l.queue[len(p):]
	return nil
}

func (l *faultyLoopback) Close() error { return nil }

// The short sweep must still catch a transport that corrupts, truncates or
// drops a message one size below, at or above a boundary where transports
// change how they handle a message: the end of a cache line or a page with
// or without a header word before the data, PIPE_BUF, the largest message.
func TestShortSweepCatchesAFaultAtEveryBoundary(t *testing.T) {
	for _, c := range []struct {
		max        int
		boundaries []int
	}{
		{1 << 13, []int{1, 8, 16, 56, 64, 120, 128, 4088, 4096, 8184, 8192}},
		{1 << 16, []int{56, 64, 4088, 4096, 8192, 12280, 12288, 16384, 32768, 65528, 65536}},
	} {
		seed := rand.Uint64()
		sizes := integritySizes(c.max, true, seed)
		if len(sizes) >= c.max/8 {
			t.Errorf("max %d: the short sweep has %d sizes, hardly short", c.max, len(sizes))
		}
		if err := roundTripEach(&faultyLoopback{}, sizes, rand.New(rand.NewPCG(seed, seed)), c.max); err != nil {
			t.Fatalf("max %d: a sound loopback failed the sweep: %v", c.max, err)
		}
		faults := []string{"corrupt", "truncate", "drop"}
		n := 0
		for _, b := range c.boundaries {
			for _, size := range []int{b - 1, b, b + 1} {
				if size < 1 || size > c.max {
					continue
				}
				fault := faults[n%len(faults)]
				n++
				t.Run(fmt.Sprintf("max %d %s %d", c.max, fault, size), func(t *testing.T) {
					l := &faultyLoopback{size: size, fault: fault}
					if err := roundTripEach(l, sizes, rand.New(rand.NewPCG(seed, seed)), c.max); err == nil {
						t.Errorf("the short sweep (seed %d) passed a transport that fails messages of %d bytes", seed, size)
					}
				})
			}
		}
	}
}

// A loopback of whole messages that swaps two neighbours once.
type swappingLoopback struct {
	at    int // the message sent after this many is held back one place
	sent  int
	held  []byte
	queue [][]byte
}

func (l *swappingLoopback) Send(p []byte) error {
	msg := slices.Clone(p)
	switch l.sent++; {
	case l.sent == l.at+1:
		l.held = msg
	case l.held != nil:
		l.queue = append(l.queue, msg, l.held)
		l.held = nil
	default:
		l.queue = append(l.queue, msg)
	}
	return nil
}

func (l *swappingLoopback) Recv(p []byte) error {
	if len(l.queue) == 0 {
		return io.ErrUnexpectedEOF
	}
	copy(p, l.queue[0])
	l.queue = l.queue[1:]
	return nil
}

func (l *swappingLoopback) Close() error { return nil }

// The short order stream must still catch two messages swapped where a
// small ring wraps and at its very end.
func TestShortOrderStreamCatchesASwap(t *testing.T) {
	count := orderCount(true)
	if got, err := stream(&swappingLoopback{at: count}, count); err != nil || got != count {
		t.Fatalf("a sound loopback: %d echoes, %v", got, err)
	}
	for _, at := range []int{window, 2 * window, count - 2} {
		if got, err := stream(&swappingLoopback{at: at}, count); err == nil {
			t.Errorf("messages %d and %d swapped: %d echoes and no error", at, at+1, got)
		}
	}
}
