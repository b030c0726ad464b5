// Package shmring is a message channel over shared memory, for transports
// whose two processes map the same bytes (SysV shm, POSIX shm, a shared
// file mapping, a memfd): one Ring per direction, each a small ring of
// message cells, an Endpoint that pairs two of them, and the mapping and
// futex primitives they stand on. A Ring spins, sleeps on a futex on its
// own words, or sleeps on a Doorbell that the transport provides (a
// semaphore, an eventfd).
package shmring

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A Doorbell wakes a process waiting for shared memory to change. A Ring
// that comes before the Wait it is meant for must not be lost: that Wait
// then returns at once (a semaphore's count, an eventfd's counter). Wait
// may also return without a Ring; callers look again at the memory.
type Doorbell interface {
	Ring() error
	Wait() error
}

// Config describes a ring. Both processes must use the same
// Capacity and MaxSize over the same bytes.
type Config struct {
	Capacity int // messages the ring holds: a power of two, at least 2
	MaxSize  int // largest message
	// How a side waits for the other. Futex: it sleeps in FUTEX_WAIT on
	// the word it waits for (a cell's turn word, the tail), and the other
	// side calls FUTEX_WAKE when it finds the sleeper's mark there. Data
	// and Space: it sleeps on a doorbell instead, which the other side
	// rings on finding the mark: the consumer on Data, the producer on
	// Space. Neither: both ends busy-poll.
	Futex       bool
	Data, Space Doorbell
	// Parent, in a peer, is the test process's pid (ParentPid): a spinning
	// wait gives up once this process's parent is no longer Parent, so that
	// a peer does not spin for ever after the test died.
	Parent int
}

// Layout of a ring: two control words, each on a cache line of its own (a
// line is written by one side only, or rarely), then the cells, each
// starting on a cache line.
const (
	shmLine      = 64
	shmOffTail   = 0 * shmLine // consumer: messages consumed, published in batches
	shmOffHangup = 1 * shmLine // nonzero once either side has gone
	ringHeader   = 2 * shmLine
	// A cell: the turn word (the number of the message it holds, plus 1),
	// the length, then the data, from the start of a cache line.
	shmCellHeader = 8
	// A spinning wait checks that the test process still exists once in
	// this many polls (a getppid call is a few hundred nanoseconds).
	shmParentCheck = 1<<16 - 1
)

// Turn and tail words count messages modulo 1<<31; the top bit is the
// sleeper's mark: set by the side that is about to sleep on the word, seen
// (and cleared) by the other side's atomic swap when it stores the next
// value, which is then its cue to wake the sleeper.
const (
	seqMask  = 1<<31 - 1
	sleeping = 1 << 31
)

func cellBytes(maxSize int) int {
	return (shmCellHeader + maxSize + shmLine - 1) / shmLine * shmLine
}

// Size is how many bytes of shared memory a ring needs.
func Size(capacity, maxSize int) int {
	return ringHeader + capacity*cellBytes(maxSize)
}

// A Ring is one direction of a channel in shared memory: a ring of
// Capacity cells, each holding one message. A cell starts on a cache line
// with its turn word (the number of the message it holds, plus 1) and the
// length, followed by the data, so that the line that tells the consumer a
// message is there brings the length and the message's first bytes with
// it.
//
// The producer writes the data that lies beyond the cell's first line
// first, then the first line, and then stores the turn word with release
// order: the consumer polls that first line, so the producer takes it from
// the consumer once per message, when it is ready to publish, instead of
// once for the data and again for the turn. Right after publishing, it
// claims the following cell's data lines (see claimNext).
//
// The consumer polls the turn word of the cell it expects, copies the
// message out, and advances its tail, which it publishes every Capacity/2
// messages (it never waits with a full batch unpublished, so the producer
// never waits for space that the consumer has freed).
//
// A zeroed mapping is an empty ring. One process uses a given Ring
// either as producer (Send) or as consumer (Recv); Hangup may be called
// by either, from any goroutine.
type Ring struct {
	cfg          Config
	tail, hangup *atomic.Uint32
	cells        []byte
	cellSize     int
	mask, batch  uint32
	sleeps       bool // Futex or doorbells: the swaps that see a sleeper's mark

	// Private to the process and role: the producer's next message
	// number and the tail it last read; the consumer's next message
	// number and the tail it last published.
	pos, seen uint32
}

// ErrParentGone ends a peer's spinning wait once the test process has
// died.
var ErrParentGone = errors.New("shm ring: the test process has gone")

// New lays a ring over mem, which must be zeroed (a fresh mapping),
// hold Size bytes and be aligned to 8 bytes; the layout assumes a
// cache-line-aligned start, which any mapping has. Each process makes its
// own Ring over its own mapping of the same bytes.
func New(mem []byte, cfg Config) (*Ring, error) {
	if cfg.Capacity < 2 || cfg.Capacity&(cfg.Capacity-1) != 0 || cfg.MaxSize < 1 || cfg.Capacity > 1<<20 {
		return nil, fmt.Errorf("shm ring: capacity %d, max size %d: want a power of two >= 2 and max size >= 1", cfg.Capacity, cfg.MaxSize)
	}
	if (cfg.Data == nil) != (cfg.Space == nil) {
		return nil, errors.New("shm ring: give both doorbells or neither")
	}
	if cfg.Futex && cfg.Data != nil {
		return nil, errors.New("shm ring: futex or doorbells, not both")
	}
	if need := Size(cfg.Capacity, cfg.MaxSize); len(mem) < need {
		return nil, fmt.Errorf("shm ring: %d bytes of memory, need %d", len(mem), need)
	}
	if uintptr(unsafe.Pointer(&mem[0]))%8 != 0 {
		return nil, errors.New("shm ring: memory not aligned to 8 bytes")
	}
	word := func(off int) *atomic.Uint32 { return (*atomic.Uint32)(unsafe.Pointer(&mem[off])) }
	s := &Ring{
		cfg:      cfg,
		tail:     word(shmOffTail),
		hangup:   word(shmOffHangup),
		cellSize: cellBytes(cfg.MaxSize),
		mask:     uint32(cfg.Capacity - 1),
		batch:    uint32(cfg.Capacity / 2),
		sleeps:   cfg.Futex || cfg.Data != nil,
	}
	s.cells = mem[ringHeader:Size(cfg.Capacity, cfg.MaxSize)]
	return s, nil
}

// turn is the turn word of a cell.
func turn(c []byte) *atomic.Uint32 { return (*atomic.Uint32)(unsafe.Pointer(&c[0])) }

func (s *Ring) cell(n uint32) []byte {
	off := int(n&s.mask) * s.cellSize
	return s.cells[off : off+s.cellSize : off+s.cellSize]
}

// free reports whether the producer may fill cell pos, by the tail it last
// read.
func (s *Ring) free() bool { return (s.pos-s.seen)&seqMask <= s.mask }

// Send copies p into the next cell and publishes it. It waits while the
// ring is full, and fails with EPIPE once the ring is hung up and
// EMSGSIZE for a message over MaxSize.
func (s *Ring) Send(p []byte) error {
	if len(p) > s.cfg.MaxSize {
		return unix.EMSGSIZE
	}
	if s.hangup.Load() != 0 {
		return unix.EPIPE
	}
	if !s.free() {
		if err := s.awaitSpace(); err != nil {
			return err
		}
	}
	c := s.cell(s.pos)
	const head = shmLine - shmCellHeader // bytes of data on the first line
	if len(p) > head && !tune.headFirst {
		copyCached(c[shmLine:], p[head:])
		copy(c[shmCellHeader:shmLine], p[:head])
	} else {
		copyCached(c[shmCellHeader:], p)
	}
	*(*uint32)(unsafe.Pointer(&c[4])) = uint32(len(p))
	s.pos++
	var err error
	if s.sleeps {
		// A swap: it publishes the cell and tells whether the consumer
		// marked the old value before sleeping on it.
		if old := turn(c).Swap(s.pos & seqMask); old&sleeping != 0 {
			err = s.wake(turn(c), s.cfg.Data)
		}
	} else if tune.seqCst {
		turn(c).Store(s.pos & seqMask)
	} else {
		storeRelease((*uint32)(unsafe.Pointer(&c[0])), s.pos&seqMask)
	}
	if !tune.noClaim {
		s.claimNext(len(p))
	}
	return err
}

// claimMax is the largest message after which claimNext claims the next
// cell: past a few pages the byte stores cost a streaming producer more
// than they save, its copy claims the lines as fast by itself.
const claimMax = 4 << 10

// copyChunk bounds each copy of copyCached: below the size from which the
// Go runtime's memmove switches to non-temporal stores on amd64 (which
// would send a message to memory, out of the caches the other CPU reads
// it from).
const copyChunk = 256 << 10

// copyCached copies src to dst (of the same length or longer) through the
// caches, in pieces of at most copyChunk bytes.
func copyCached(dst, src []byte) {
	if tune.oneCopy {
		copy(dst, src)
		return
	}
	for len(src) > copyChunk {
		copyPiece(dst[:copyChunk], src[:copyChunk])
		dst, src = dst[copyChunk:], src[copyChunk:]
	}
	copyPiece(dst, src)
}

// claimNext takes ownership, for this CPU, of the lines of the next cell
// that follow its first (as many as the message just sent used) when the
// consumer has released it: a byte store to each line, which the next Send
// overwrites. The coherence traffic that invalidates the consumer's copies
// then happens while this side waits for the reply, not inside the next
// Send. The cell's first line, where the consumer polls the turn word, is
// left alone.
func (s *Ring) claimNext(n int) {
	if !s.free() || (n > claimMax && !tune.claimAll) {
		return
	}
	next := s.cell(s.pos)
	for off := shmLine; off < shmCellHeader+n; off += shmLine {
		next[off] = 0
	}
}

func (s *Ring) awaitSpace() error {
	for i := 0; ; i++ {
		t := s.tail.Load()
		if s.seen = t & seqMask; s.free() {
			return nil
		}
		if s.hangup.Load() != 0 {
			return unix.EPIPE
		}
		if !s.sleeps {
			if tune.pause {
				pause()
			}
			if i&shmParentCheck == shmParentCheck && s.parentGone() {
				return ErrParentGone
			}
			continue
		}
		if err := s.sleep(s.tail, t, s.cfg.Space); err != nil {
			return err
		}
	}
}

// Recv copies the next message into p, which must be exactly its size
// (a message of another size is consumed and reported as an error). It
// waits while the ring is empty; once the ring is hung up it returns the
// messages still in it, then io.EOF.
func (s *Ring) Recv(p []byte) error {
	c := s.cell(s.pos)
	if err := s.awaitData(turn(c)); err != nil {
		return err
	}
	n := int(*(*uint32)(unsafe.Pointer(&c[4])))
	var err error
	if n != len(p) || n > s.cfg.MaxSize {
		err = fmt.Errorf("shm ring: message %d has %d bytes, want %d", s.pos, n, len(p))
	} else {
		copyCached(p, c[shmCellHeader:shmCellHeader+n])
	}
	s.pos++
	if s.pos-s.seen >= s.batch {
		s.seen = s.pos
		// After the copy: the producer may now reuse the cells.
		if !s.sleeps {
			storeRelease((*uint32)(unsafe.Pointer(s.tail)), s.pos&seqMask)
		} else if old := s.tail.Swap(s.pos & seqMask); old&sleeping != 0 {
			if werr := s.wake(s.tail, s.cfg.Space); err == nil {
				err = werr
			}
		}
	}
	return err
}

func (s *Ring) awaitData(turn *atomic.Uint32) error {
	want := (s.pos + 1) & seqMask
	for i := 0; ; i++ {
		v := turn.Load()
		if v == want {
			return nil
		}
		if s.hangup.Load() != 0 {
			// Everything the other side published came before the
			// hang-up: look once more, then report the end.
			if turn.Load() == want {
				return nil
			}
			return io.EOF
		}
		if !s.sleeps {
			if tune.pause {
				pause()
			}
			if i&shmParentCheck == shmParentCheck && s.parentGone() {
				return ErrParentGone
			}
			continue
		}
		if err := s.sleep(turn, v, s.cfg.Data); err != nil {
			return err
		}
	}
}

// sleep marks w, which read v (not yet what the caller waits for), and
// sleeps until the other side's swap finds the mark and wakes it, or the
// ring is hung up. It may return early; the caller looks again.
func (s *Ring) sleep(w *atomic.Uint32, v uint32, bell Doorbell) error {
	if v&sleeping == 0 {
		if !w.CompareAndSwap(v, v|sleeping) {
			return nil // the other side stored the next value: look again
		}
		v |= sleeping
	}
	// Dekker with Hangup's store and its look at the marks (all
	// sequentially consistent): either this sees the hang-up, or Hangup
	// sees the mark and clears it or rings the bell.
	if s.hangup.Load() != 0 {
		return nil
	}
	if bell != nil {
		return bell.Wait()
	}
	futexWait(w, v)
	return nil
}

// wake wakes the side asleep on w (futex) or on bell.
func (s *Ring) wake(w *atomic.Uint32, bell Doorbell) error {
	if bell != nil {
		return bell.Ring()
	}
	return futexWakeAll(w)
}

func (s *Ring) parentGone() bool {
	return s.cfg.Parent != 0 && unix.Getppid() != s.cfg.Parent
}

// Hangup marks the ring as ended by either side and wakes whoever sleeps
// on it: the consumer's Recv returns what is left, then io.EOF; the
// producer's Send fails with EPIPE.
func (s *Ring) Hangup() error {
	s.hangup.Store(1)
	switch {
	case s.cfg.Data != nil:
		// Ring both bells whether or not anyone sleeps: a spare count only
		// makes one later Wait return early.
		return errors.Join(s.cfg.Data.Ring(), s.cfg.Space.Ring())
	case s.cfg.Futex:
		// Clearing a mark changes the word, so that a FUTEX_WAIT still on
		// its way in returns at once instead of sleeping.
		var errs []error
		for n := uint32(0); n <= s.mask; n++ {
			if w := turn(s.cell(n)); w.And(seqMask)&sleeping != 0 {
				errs = append(errs, futexWakeAll(w))
			}
		}
		if s.tail.And(seqMask)&sleeping != 0 {
			errs = append(errs, futexWakeAll(s.tail))
		}
		return errors.Join(errs...)
	}
	return nil
}

// HungUp reports whether the ring has been hung up.
func (s *Ring) HungUp() bool { return s.hangup.Load() != 0 }

// Endpoint pairs two rings into a transport endpoint: Tx carries this process's
// messages, Rx the other's. It is a PeerWatcher: shared memory cannot tell
// that the other process died, so the harness's PeerGone hangs up both
// rings.
type Endpoint struct {
	Tx, Rx   *Ring
	release  func() error
	mu       sync.Mutex
	released bool
}

// NewEndpoint makes an endpoint; release, if not nil, unmaps the memory
// and is what Release calls.
func NewEndpoint(tx, rx *Ring, release func() error) *Endpoint {
	return &Endpoint{Tx: tx, Rx: rx, release: release}
}

func (e *Endpoint) Send(p []byte) error { return e.Tx.Send(p) }
func (e *Endpoint) Recv(p []byte) error { return e.Rx.Recv(p) }

// Close hangs up both directions, so that the other process's Recv ends
// after the messages already sent and its Send fails. It leaves the memory
// mapped: see Release.
func (e *Endpoint) Close() error { return e.hangup() }

// PeerGone hangs up both directions: this process's Recv then ends after
// what the peer sent before it exited, and a Send waiting for space fails.
// The harness may call it late, even after the test's cleanups: once the
// endpoint is released it does nothing.
func (e *Endpoint) PeerGone() { e.hangup() }

func (e *Endpoint) hangup() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.released {
		return nil
	}
	return errors.Join(e.Tx.Hangup(), e.Rx.Hangup())
}

// Release unmaps the memory (once), after which Close and PeerGone no
// longer touch it. The test process calls it in a cleanup that runs after
// the peer has been reaped; nothing may use Send or Recv afterwards.
func (e *Endpoint) Release() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.released || e.release == nil {
		return nil
	}
	e.released = true
	return e.release()
}
