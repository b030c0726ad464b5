package signals

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/shmring"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// Transport is the Unix Signals row: a real-time signal is the doorbell of
// every message, and shared memory carries the payload. One round trip of
// the table is: the test process copies the message into a cell of a memfd
// both processes map, publishes it, and sends one real-time signal with
// rt_tgsigqueueinfo to the thread the peer receives on, carrying the
// message's number as si_value; that thread, which blocks the signal, wakes
// from rt_sigtimedwait with the siginfo, checks the number, copies the
// message out, and answers the same way. So an op is two signals queued and
// taken (one each way), two sleeps and wake-ups in rt_sigtimedwait, and
// four copies of the message; nothing spins.
//
// rt_sigtimedwait rather than a signalfd: the wait and the siginfo come in
// one call on the waiting thread, with no descriptor to look up and no
// wait queue of a file between the signal and the sleeper; in
// BenchmarkDoorbell, which times the bare doorbell both ways, it was never
// the slower beyond the machine's noise, and a little faster with both
// processes on one CPU.
var Transport = table.Transport{
	Name:    "signals-rt",
	MaxSize: MaxSize,
	Open:    open,
	Attach:  attach,
}

func init() { table.Register(Transport) }

const (
	// MaxSize is the largest message of the transport.
	MaxSize = 1 << 16
	// Capacity is how many messages a direction holds before Send waits:
	// more than the contract keeps in flight.
	Capacity = 16
)

// The doorbells: DataSignal tells a receiving thread that message si_value
// is in its lane (or, with si_value 0, that the lane was hung up);
// SpaceSignal tells a sending thread that waits for a free cell that the
// receiver has taken messages.
const (
	DataSignal  = RTMin
	SpaceSignal = RTMin + 1
)

// A lane is one direction in shared memory: a header of words, then
// Capacity cells, each a length word and the message, on cache lines of
// their own. The producer writes pid, seq and spaceTid; the consumer
// writes rpid, tid and tail.
const (
	line        = 64
	offPid      = 0 * line // the producer's pid
	offSeq      = 1 * line // messages published
	offSpaceTid = 2 * line // the producer's thread while it waits for space, else 0
	offRpid     = 3 * line // the consumer's pid
	offTid      = 4 * line // the consumer's receiving thread
	offTail     = 5 * line // messages taken
	offHangup   = 6 * line // nonzero once either side has closed
	offCookie   = 7 * line // the channel's cookie (see Endpoint), set by Open
	laneHeader  = 8 * line
	cellHeader  = 8
	cellBytes   = (cellHeader + MaxSize + line - 1) / line * line
	laneBytes   = laneHeader + Capacity*cellBytes
	memBytes    = 2 * laneBytes
)

type lane struct {
	pid, seq, spaceTid, rpid, tid, tail, hangup, cookie *atomic.Uint32
	cells                                               []byte
}

func newLane(mem []byte) lane {
	w := func(off int) *atomic.Uint32 { return (*atomic.Uint32)(unsafe.Pointer(&mem[off])) }
	return lane{
		pid: w(offPid), seq: w(offSeq), spaceTid: w(offSpaceTid),
		rpid: w(offRpid), tid: w(offTid), tail: w(offTail), hangup: w(offHangup),
		cookie: w(offCookie),
		cells:  mem[laneHeader:laneBytes],
	}
}

func (l lane) cell(n uint32) []byte {
	off := int(n%Capacity) * cellBytes
	return l.cells[off : off+cellBytes : off+cellBytes]
}

// Stats counts an endpoint's doorbells.
type Stats struct {
	Rung  uint64 // data signals sent, one per message sent to a listening receiver
	Taken uint64 // messages received on their own data signal
	Found uint64 // messages received without waiting for their signal
}

// Endpoint is one process's end: Tx carries its messages, Rx the other's.
// Send and Recv may run on any goroutine (one at a time each): a thread
// that receives publishes its id in the lane, and Dekker's order between
// that id and the message count keeps a doorbell sent to the thread that
// received before from being waited for on another. Such a doorbell stays
// pending on the old thread, where a later Recv, of this channel or
// another, may take it: si_value carries the channel's random cookie in
// its top half and the message's number in the bottom half, and a
// doorbell counts only with this channel's cookie and its message
// published.
type Endpoint struct {
	tx, rx lane
	self   int
	cookie uint64 // the cookie, in the top half of si_value

	// Private to the receiving side.
	recvPos, owed uint32
	recvTid       int
	waitInfo      Siginfo
	// Private to the sending side.
	sendPos, seenTail uint32
	spaceTid          int
	sendInfo          Siginfo
	spaceInfo         Siginfo // sent by the receiving side
	spaceWaitInfo     Siginfo

	stats    Stats
	mu       sync.Mutex
	gone     bool // the peer has exited: signal only this process
	released bool
	release  func() error
}

var (
	dataSet  = sys.SignalSet(DataSignal)
	spaceSet = sys.SignalSet(SpaceSignal)
	bothSet  = sys.SignalSet(DataSignal, SpaceSignal)
)

func newEndpoint(mem []byte, inPeer bool, release func() error) *Endpoint {
	toPeer, toTest := newLane(mem[:laneBytes]), newLane(mem[laneBytes:])
	e := &Endpoint{tx: toPeer, rx: toTest, self: unix.Getpid(), release: release}
	if inPeer {
		e.tx, e.rx = toTest, toPeer
	}
	e.cookie = uint64(e.tx.cookie.Load()) << 32
	e.tx.pid.Store(uint32(e.self))
	e.rx.rpid.Store(uint32(e.self))
	e.sendInfo = Siginfo{Signo: int32(DataSignal), Code: SiQueue, Pid: int32(e.self), Uid: uint32(unix.Getuid())}
	e.spaceInfo = e.sendInfo
	e.spaceInfo.Signo = int32(SpaceSignal)
	return e
}

// Stats returns the doorbells counted so far.
func (e *Endpoint) Stats() Stats { return e.stats }

// blockDoorbells makes the calling thread, locked to its goroutine, one
// that blocks both doorbells, and returns its id; known is the thread that
// did so last, which needs nothing more.
func blockDoorbells(known *int) (int, error) {
	tid := unix.Gettid()
	if tid != *known {
		if err := unix.PthreadSigmask(unix.SIG_BLOCK, &bothSet, nil); err != nil {
			return 0, err
		}
		*known = tid
	}
	return tid, nil
}

// Send copies p into the next cell, publishes it and rings the receiver's
// thread. It waits while the lane is full, and fails with EPIPE once the
// lane is hung up and EMSGSIZE for a message over MaxSize.
func (e *Endpoint) Send(p []byte) error {
	if len(p) > MaxSize {
		return unix.EMSGSIZE
	}
	if e.tx.hangup.Load() != 0 {
		return unix.EPIPE
	}
	if e.sendPos-e.seenTail >= Capacity {
		if err := e.awaitSpace(); err != nil {
			return err
		}
	}
	c := e.tx.cell(e.sendPos)
	copy(c[cellHeader:], p)
	*(*uint32)(unsafe.Pointer(&c[0])) = uint32(len(p))
	e.sendPos++
	e.tx.seq.Store(e.sendPos)
	// After the count: a receiver that publishes a new thread after this
	// load finds the message by the count (Recv's owed).
	tid := e.tx.tid.Load()
	if tid == 0 {
		return nil
	}
	e.sendInfo.Value = e.cookie | uint64(e.sendPos)
	if err := TgQueue(int(e.tx.rpid.Load()), int(tid), DataSignal, &e.sendInfo); err != nil {
		return err
	}
	e.stats.Rung++
	return nil
}

// awaitSpace sleeps until the receiver has taken a message of a full lane.
func (e *Endpoint) awaitSpace() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for {
		tid, err := blockDoorbells(&e.spaceTid)
		if err != nil {
			return err
		}
		// Before the look at the tail: a receiver that takes a message
		// after that look sees this id and sends the space signal.
		e.tx.spaceTid.Store(uint32(tid))
		e.seenTail = e.tx.tail.Load()
		if e.sendPos-e.seenTail < Capacity {
			e.tx.spaceTid.Store(0)
			return nil
		}
		if e.tx.hangup.Load() != 0 {
			e.tx.spaceTid.Store(0)
			return unix.EPIPE
		}
		// Any space signal means: look again (a late one of an earlier
		// wait, too).
		if _, err := Wait(&spaceSet, &e.spaceWaitInfo); err != nil {
			return err
		}
	}
}

// Recv waits for the next message's doorbell on the calling thread and
// copies the message into p, which must be exactly its size (a message of
// another size is taken and reported as an error). Once the lane is hung
// up it returns the messages still in it, then io.EOF.
func (e *Endpoint) Recv(p []byte) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := e.recvTid
	tid, err := blockDoorbells(&e.recvTid)
	if err != nil {
		return err
	}
	if tid != before {
		e.rx.tid.Store(uint32(tid))
		// Doorbells of the messages published before this thread was
		// named may have gone to the thread named before: take those
		// without waiting.
		e.owed = e.rx.seq.Load()
	}
	want := e.recvPos + 1
	for {
		if int32(e.owed-want) >= 0 {
			e.stats.Found++
			break
		}
		if e.rx.hangup.Load() != 0 && e.rx.seq.Load() == e.recvPos {
			return io.EOF
		}
		if _, err := Wait(&dataSet, &e.waitInfo); err != nil {
			return err
		}
		// Number 0 is a hang-up; an older number is the late doorbell of
		// a message taken by the count, another cookie one of another
		// channel: look again.
		if e.waitInfo.Value == e.cookie|uint64(want) && int32(e.rx.seq.Load()-want) >= 0 {
			e.stats.Taken++
			break
		}
	}
	c := e.rx.cell(e.recvPos)
	n := int(*(*uint32)(unsafe.Pointer(&c[0])))
	if n != len(p) {
		err = fmt.Errorf("signals ring: message %d has %d bytes, want %d", want, n, len(p))
	} else {
		copy(p, c[cellHeader:cellHeader+n])
	}
	e.recvPos = want
	e.rx.tail.Store(want)
	// After the tail: a sender that marks itself waiting after this load
	// sees the new tail.
	if tid := e.rx.spaceTid.Load(); tid != 0 {
		if serr := TgQueue(int(e.rx.pid.Load()), int(tid), SpaceSignal, &e.spaceInfo); serr != nil && err == nil {
			err = serr
		}
	}
	return err
}

// Close hangs up both directions and wakes whoever waits on them: the
// other process's Recv ends after the messages already sent, and its Send
// fails with EPIPE. It leaves the memory mapped: see Release.
func (e *Endpoint) Close() error { return e.hangup(false) }

// PeerGone hangs up both directions once the peer has exited, waking only
// this process's threads: the peer's thread ids may name someone else now.
func (e *Endpoint) PeerGone() { e.hangup(true) }

func (e *Endpoint) hangup(gone bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gone = e.gone || gone
	if e.released {
		return nil
	}
	e.tx.hangup.Store(1)
	e.rx.hangup.Store(1)
	var hup Siginfo = e.sendInfo
	hup.Value = e.cookie
	var errs []error
	wake := func(pid, tid *atomic.Uint32, sig unix.Signal) {
		p, t := int(pid.Load()), int(tid.Load())
		if t == 0 || p == 0 || (e.gone && p != e.self) {
			return
		}
		hup.Signo = int32(sig)
		if err := TgQueue(p, t, sig, &hup); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, err)
		}
	}
	wake(e.tx.rpid, e.tx.tid, DataSignal)
	wake(e.rx.rpid, e.rx.tid, DataSignal)
	wake(e.tx.pid, e.tx.spaceTid, SpaceSignal)
	wake(e.rx.pid, e.rx.spaceTid, SpaceSignal)
	return errors.Join(errs...)
}

// Release unmaps the memory (once); Close and PeerGone do nothing after.
func (e *Endpoint) Release() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.released || e.release == nil {
		return nil
	}
	e.released = true
	return e.release()
}

// open makes the memfd both processes map and hands the peer its fd.
func open(t testing.TB) (table.Endpoint, proc.PeerSpec) {
	t.Helper()
	fd, err := unix.MemfdCreate(proc.Prefix+"signals", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatalf("memfd_create: %s", sys.ErrnoName(err))
	}
	sys.Own(t, fd)
	if err := unix.Ftruncate(fd, memBytes); err != nil {
		t.Fatalf("ftruncate: %s", sys.ErrnoName(err))
	}
	mem, err := shmring.MapShared(fd, memBytes)
	if err != nil {
		t.Fatalf("mmap: %s", sys.ErrnoName(err))
	}
	cookie := rand.Uint32()
	newLane(mem[:laneBytes]).cookie.Store(cookie)
	newLane(mem[laneBytes:]).cookie.Store(cookie)
	ep := newEndpoint(mem, false, func() error { return unix.Munmap(mem) })
	// Registered before the peer exists, so it runs after the peer has been
	// reaped; a later PeerGone then does nothing.
	t.Cleanup(func() { ep.Release() })
	return ep, proc.PeerSpec{Files: []int{fd}}
}

// attach maps the memfd the peer was handed.
func attach([]string) (table.Endpoint, error) {
	fd := proc.PeerFD(0)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Size < memBytes {
		return nil, fmt.Errorf("signals memfd: %d bytes, %v; want %d", st.Size, err, memBytes)
	}
	mem, err := shmring.MapShared(fd, memBytes)
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	return newEndpoint(mem, true, nil), nil // the mapping goes when the peer exits
}
