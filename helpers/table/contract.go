package table

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Contract is the contract every transport meets, run between the
// test process and an echo peer: exact payloads of every size, order, no
// loss or duplication, and an error rather than a hang when the peer dies.
func Contract(t *testing.T, tr Transport) {
	// Both ends on one CPU: the contract is about correctness, and a
	// same-CPU wakeup is an order of magnitude cheaper than a cross-CPU one
	// on small machines, which keeps every-size sweeps short. Spinning
	// transports need a CPU each.
	place := Placements()[0]
	if tr.Spins {
		split, ok := Split()
		if !ok {
			t.Skipf("%s spins, which needs two CPUs; this machine has one", tr.Name)
		}
		place = split
	}
	t.Run("Integrity", func(t *testing.T) { contractIntegrity(t, tr, place) })
	t.Run("Order", func(t *testing.T) { contractOrder(t, tr, place) })
	t.Run("PeerDies", func(t *testing.T) { contractPeerDies(t, tr, place) })
}

// integritySizes lists the message sizes of the integrity sweep, smallest
// first. The full sweep takes every size from 1 to max. The short sweep
// (slow machines, emulated kernels) takes the sizes where a transport's
// handling changes, each with the sizes on either side: every size up to
// two cache lines (headers, the checksum, the first lines), around every
// power of two (cache lines, PIPE_BUF, pages and runs of pages), every
// multiple of a page and max, around each of those less a header word
// (where the data ends on the boundary in a transport that puts a header
// before it, as SysV messages and shared-memory cells do), and a few sizes
// drawn at random from seed. Both ends compute the list.
func integritySizes(max int, short bool, seed uint64) []int {
	if !short {
		sizes := make([]int, max)
		for i := range sizes {
			sizes[i] = i + 1
		}
		return sizes
	}
	in := map[int]bool{}
	add := func(size int) {
		if size >= 1 && size <= max {
			in[size] = true
		}
	}
	around := func(boundary int) {
		for _, b := range []int{boundary, boundary - headerWord} {
			add(b - 1)
			add(b)
			add(b + 1)
		}
	}
	for size := 1; size <= 2*cacheLine; size++ {
		add(size)
	}
	for p := 1; p <= max; p *= 2 {
		around(p)
	}
	page := os.Getpagesize()
	for m := page; m <= max; m += page {
		around(m)
	}
	around(max)
	rng := rand.New(rand.NewPCG(seed, ^seed))
	for range randomSizes {
		add(1 + rng.IntN(max))
	}
	return slices.Sorted(maps.Keys(in))
}

const (
	// cacheLine is the size of a cache line on the machines the suite
	// runs on (amd64, arm64).
	cacheLine = 64
	// headerWord is the header a transport may put before a message's
	// data in the same buffer (a SysV message's mtype, a cell's length).
	headerWord = 8
	// randomSizes is how many sizes the short sweep draws at random.
	randomSizes = 16
)

// checksummed fills p with random bytes, taken at a random offset of a
// pool of random bytes (generating gigabytes afresh would dominate the
// sweep), and, when there is room, puts a CRC-32 of the rest in its first
// four bytes, which the peer verifies.
func checksummed(rng *rand.Rand, pool, p []byte) {
	copy(p, pool[rng.IntN(len(pool)-len(p)+1):])
	if len(p) >= 8 {
		binary.LittleEndian.PutUint32(p, crc32.ChecksumIEEE(p[4:]))
	}
}

func checksumOK(p []byte) bool {
	return len(p) < 8 || binary.LittleEndian.Uint32(p) == crc32.ChecksumIEEE(p[4:])
}

// Sequence messages carry their number and its complement, so that a
// message made of stale or zeroed bytes does not pass for another.
const seqLen = 16

func putSeq(p []byte, i uint64) {
	binary.LittleEndian.PutUint64(p, i)
	binary.LittleEndian.PutUint64(p[8:], ^i)
}

func seqOf(p []byte) uint64 {
	i := binary.LittleEndian.Uint64(p)
	if binary.LittleEndian.Uint64(p[8:]) != ^i {
		return ^uint64(0)
	}
	return i
}

func contractIntegrity(t *testing.T, tr Transport, place Placement) {
	seed := uint64(time.Now().UnixNano())
	sizes, mode := integritySizes(tr.MaxSize, testing.Short(), seed), modeSizes
	if testing.Short() {
		mode = modeShort
	}
	t.Logf("seed %d (payloads and random sizes), %d sizes from 1 to %d", seed, len(sizes), tr.MaxSize)
	rng := rand.New(rand.NewPCG(seed, seed))
	ep, peer := startEcho(t, tr, &place.Peer, mode, tr.MaxSize, seed)
	err := sys.Start("integrity sweep", func() error {
		if unpin, err := sys.Pin(place.Self); err == nil {
			defer unpin()
		}
		return roundTripEach(ep, sizes, rng, tr.MaxSize)
	}).Wait(t)
	if err != nil {
		t.Fatal(err)
	}
	peer.RequireExit(t, 0)
}

// roundTripEach sends one checksummed message of each size through ep and checks
// that each comes back unchanged.
func roundTripEach(ep Endpoint, sizes []int, rng *rand.Rand, maxSize int) error {
	pool := make([]byte, 2*maxSize)
	for i := range pool {
		pool[i] = byte(rng.Uint32())
	}
	sent := make([]byte, maxSize)
	got := make([]byte, maxSize)
	for _, size := range sizes {
		checksummed(rng, pool, sent[:size])
		if err := ep.Send(sent[:size]); err != nil {
			return fmt.Errorf("send %d bytes: %s", size, sys.ErrnoName(err))
		}
		if err := ep.Recv(got[:size]); err != nil {
			return fmt.Errorf("recv %d bytes: %s", size, sys.ErrnoName(err))
		}
		if !bytes.Equal(sent[:size], got[:size]) {
			return fmt.Errorf("message of %d bytes came back changed", size)
		}
	}
	return nil
}

// orderCount is how many messages the order test streams. The short
// stream still goes many times round every queue a transport keeps in its
// own memory (a shared-memory ring, its batched index) and through several
// of a pipe's page buffers.
func orderCount(short bool) int {
	if short {
		return 2_000
	}
	return 100_000
}

// window is how many messages the order test keeps in flight, so that
// queueing inside the transport is exercised, not only lock-step.
const window = 8

// stream sends count sequence messages, keeping window in flight, and
// checks each echo. It returns how many echoes came back in order and the
// first error. A failed send stops the sending but not the receiving: the
// echoes already in flight still count.
func stream(ep Endpoint, count int) (int, error) {
	msg := make([]byte, seqLen)
	sent, got := 0, 0
	var sendErr error
	for got < count {
		for sendErr == nil && sent < count && sent-got < window {
			putSeq(msg, uint64(sent))
			if err := ep.Send(msg); err != nil {
				sendErr = fmt.Errorf("send message %d: %w", sent, err)
				break
			}
			sent++
		}
		if got == sent {
			return got, sendErr
		}
		if err := ep.Recv(msg); err != nil {
			return got, fmt.Errorf("recv echo %d: %w", got, err)
		}
		if seq := seqOf(msg); seq != uint64(got) {
			return got, fmt.Errorf("echo %d carried sequence number %d", got, seq)
		}
		got++
	}
	return got, nil
}

func contractOrder(t *testing.T, tr Transport, place Placement) {
	count := orderCount(testing.Short())
	ep, peer := startEcho(t, tr, &place.Peer, modeSeq, count, 0)
	r := sys.Start("ordered stream", func() error {
		if unpin, err := sys.Pin(place.Self); err == nil {
			defer unpin()
		}
		_, err := stream(ep, count)
		return err
	}).Wait(t)
	if r != nil {
		t.Fatalf("%d messages: %v", count, r)
	}
	peer.RequireExit(t, 0)
}

func contractPeerDies(t *testing.T, tr Transport, place Placement) {
	const lives = 1000
	ep, peer := startEcho(t, tr, &place.Peer, modeSeq, lives, 0)
	type outcome struct {
		got int
		err error
	}
	r := sys.Start("stream to a dying peer", func() outcome {
		if unpin, err := sys.Pin(place.Self); err == nil {
			defer unpin()
		}
		got, err := stream(ep, 2*lives)
		return outcome{got, err}
	}).Wait(t)
	peer.RequireExit(t, 0)
	if r.err == nil {
		t.Fatalf("streamed %d messages through a peer that exits after %d", 2*lives, lives)
	}
	if r.got != lives {
		t.Fatalf("got %d echoes before the error, want %d: %v", r.got, lives, r.err)
	}
	t.Logf("after the peer exited: %v", r.err)
}
