// Package shmring is a message channel over shared memory, for transports
// whose two processes map the same bytes (SysV shm, POSIX shm, a shared
// file mapping, a memfd): one Ring per direction, each a small ring of
// message cells, an Endpoint that pairs two of them, and the mapping and
// futex primitives they stand on. A Ring spins, or sleeps on a Doorbell
// that the transport provides (a semaphore, a futex, an eventfd).
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
	Capacity int // messages the ring holds; at least 2
	MaxSize  int // largest message
	// Data and Space are the doorbells of a blocking ring: the producer
	// rings Data after publishing to a consumer that sleeps on it, and the
	// consumer rings Space after freeing cells for a producer that sleeps
	// on it. Both nil: both ends busy-poll.
	Data, Space Doorbell
	// Parent, in a peer, is the test process's pid (ParentPid): a spinning
	// wait gives up once this process's parent is no longer Parent, so that
	// a peer does not spin for ever after the test died.
	Parent int
}

// Layout of a ring: four control words, each on a cache line of its own
// (a line is written by one side only), then the cells, each starting on a
// cache line.
const (
	shmLine         = 64
	shmOffTail      = 0 * shmLine // consumer: messages consumed, published in batches
	shmOffHangup    = 1 * shmLine // nonzero once either side has gone
	shmOffDataWait  = 2 * shmLine // consumer asleep on Data
	shmOffSpaceWait = 3 * shmLine // producer asleep on Space
	ringHeader      = 4 * shmLine
	// A cell: the turn word (the number of the message it holds, plus 1),
	// the length, then the data, from the start of a cache line.
	shmCellHeader = 8
	// A spinning wait checks that the test process still exists once in
	// this many polls (a getppid call is a few hundred nanoseconds).
	shmParentCheck = 1<<16 - 1
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
// length, followed by the data. The producer fills the next cell and then
// stores its turn word (one atomic store, the only fence per message); the
// consumer polls the turn word of the cell it expects, copies the message
// out, and advances its tail, which it publishes every Capacity/2 messages
// to spare a fence per message (it never waits with an unpublished tail of
// a full batch, so the producer never waits for space the consumer has
// freed).
//
// The turn word shares its line with the start of the message on purpose:
// the line that tells the consumer a message is there brings the length
// and the first 56 bytes with it. With the turn word on a line of its own
// (measured too), the consumer takes two dependent cache misses before it
// can copy, which made small round trips markedly slower.
//
// A zeroed mapping is an empty ring. One process uses a given Ring
// either as producer (Send) or as consumer (Recv); Hangup may be called
// by either, from any goroutine.
type Ring struct {
	cfg                      Config
	tail, hangup             *atomic.Uint32
	dataWaiting, spaceWaited *atomic.Uint32
	cells                    []byte
	cellSize                 int
	capacity, batch          uint32

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
	if cfg.Capacity < 2 || cfg.MaxSize < 1 || cfg.Capacity > 1<<20 {
		return nil, fmt.Errorf("shm ring: capacity %d, max size %d: want capacity >= 2 and max size >= 1", cfg.Capacity, cfg.MaxSize)
	}
	if (cfg.Data == nil) != (cfg.Space == nil) {
		return nil, errors.New("shm ring: give both doorbells or neither")
	}
	if need := Size(cfg.Capacity, cfg.MaxSize); len(mem) < need {
		return nil, fmt.Errorf("shm ring: %d bytes of memory, need %d", len(mem), need)
	}
	if uintptr(unsafe.Pointer(&mem[0]))%8 != 0 {
		return nil, errors.New("shm ring: memory not aligned to 8 bytes")
	}
	word := func(off int) *atomic.Uint32 { return (*atomic.Uint32)(unsafe.Pointer(&mem[off])) }
	s := &Ring{
		cfg:         cfg,
		tail:        word(shmOffTail),
		hangup:      word(shmOffHangup),
		dataWaiting: word(shmOffDataWait),
		spaceWaited: word(shmOffSpaceWait),
		cellSize:    cellBytes(cfg.MaxSize),
		capacity:    uint32(cfg.Capacity),
		batch:       uint32(cfg.Capacity / 2),
	}
	s.cells = mem[ringHeader:Size(cfg.Capacity, cfg.MaxSize)]
	return s, nil
}

// turn is the turn word of a cell.
func turn(c []byte) *atomic.Uint32 { return (*atomic.Uint32)(unsafe.Pointer(&c[0])) }

func (s *Ring) cell(n uint32) []byte {
	off := int(n%s.capacity) * s.cellSize
	return s.cells[off : off+s.cellSize]
}

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
	if s.pos-s.seen >= s.capacity {
		if err := s.awaitSpace(); err != nil {
			return err
		}
	}
	c := s.cell(s.pos)
	*(*uint32)(unsafe.Pointer(&c[4])) = uint32(len(p))
	copy(c[shmCellHeader:], p)
	s.pos++
	turn(c).Store(s.pos) // publishes the cell: a release on every architecture
	s.claimNext(len(p))
	// Dekker with the consumer's store to dataWaiting and load of the turn
	// (both sequentially consistent): one of the two sees the other.
	if s.cfg.Data != nil && s.dataWaiting.Load() != 0 && s.dataWaiting.Swap(0) != 0 {
		return s.cfg.Data.Ring()
	}
	return nil
}

// claimNext takes ownership, for this CPU, of the data lines of the next
// cell (as many as the message just sent used) when the consumer has
// released it: a byte store to each line, which the next Send overwrites.
// The coherence traffic that invalidates the consumer's copies then happens
// while this side waits for the reply, not inside the next Send; that
// cuts a 1 KB round trip by about a third. The cell's first line, where
// the consumer polls the turn word, is left alone.
func (s *Ring) claimNext(n int) {
	if s.pos-s.seen >= s.capacity {
		return
	}
	next := s.cell(s.pos)
	for off := shmLine; off < shmCellHeader+n; off += shmLine {
		next[off] = 0
	}
}

func (s *Ring) awaitSpace() error {
	for i := 0; ; i++ {
		if s.seen = s.tail.Load(); s.pos-s.seen < s.capacity {
			return nil
		}
		if s.hangup.Load() != 0 {
			return unix.EPIPE
		}
		if s.cfg.Space == nil {
			if i&shmParentCheck == shmParentCheck && s.parentGone() {
				return ErrParentGone
			}
			continue
		}
		s.spaceWaited.Store(1)
		if s.pos-s.tail.Load() < s.capacity || s.hangup.Load() != 0 {
			s.spaceWaited.Store(0)
			continue
		}
		if err := s.cfg.Space.Wait(); err != nil {
			return err
		}
	}
}

// Recv copies the next message into p, which must be exactly its size
// (a message of another size is consumed and reported as an error). It
// waits while the ring is empty; once the ring is hung up it returns the
// messages still in it, then io.EOF.
func (s *Ring) Recv(p []byte) error {
	if err := s.awaitData(); err != nil {
		return err
	}
	c := s.cell(s.pos)
	n := int(*(*uint32)(unsafe.Pointer(&c[4])))
	var err error
	if n != len(p) || n > s.cfg.MaxSize {
		err = fmt.Errorf("shm ring: message %d has %d bytes, want %d", s.pos, n, len(p))
	} else {
		copy(p, c[shmCellHeader:shmCellHeader+n])
	}
	s.pos++
	if s.pos-s.seen >= s.batch {
		s.seen = s.pos
		s.tail.Store(s.pos) // after the copy: the producer may now reuse the cells
		if s.cfg.Space != nil && s.spaceWaited.Load() != 0 && s.spaceWaited.Swap(0) != 0 {
			if rerr := s.cfg.Space.Ring(); err == nil {
				err = rerr
			}
		}
	}
	return err
}

func (s *Ring) awaitData() error {
	turn := turn(s.cell(s.pos))
	for i := 0; ; i++ {
		if turn.Load() == s.pos+1 {
			return nil
		}
		if s.hangup.Load() != 0 {
			// Everything the other side published came before the
			// hang-up: look once more, then report the end.
			if turn.Load() == s.pos+1 {
				return nil
			}
			return io.EOF
		}
		if s.cfg.Data == nil {
			if i&shmParentCheck == shmParentCheck && s.parentGone() {
				return ErrParentGone
			}
			continue
		}
		s.dataWaiting.Store(1)
		if turn.Load() == s.pos+1 || s.hangup.Load() != 0 {
			s.dataWaiting.Store(0)
			continue
		}
		if err := s.cfg.Data.Wait(); err != nil {
			return err
		}
	}
}

func (s *Ring) parentGone() bool {
	return s.cfg.Parent != 0 && unix.Getppid() != s.cfg.Parent
}

// Hangup marks the ring as ended by either side and wakes whoever sleeps
// on it: the consumer's Recv returns what is left, then io.EOF; the
// producer's Send fails with EPIPE.
func (s *Ring) Hangup() error {
	s.hangup.Store(1)
	if s.cfg.Data == nil {
		return nil
	}
	// Ring both bells whether or not anyone sleeps: a spare count only
	// makes one later Wait return early.
	return errors.Join(s.cfg.Data.Ring(), s.cfg.Space.Ring())
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
