package sysvmsg

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// Transport is the "Message Queues" row: a ping-pong channel of two SysV
// message queues, one per direction, each read with msgtyp 0.
//
// Two queues rather than one queue with a message type per direction:
// each direction then has its own msg_qbytes, as each direction of the
// pipe row has its own pipe. On one shared queue the messages in flight
// one way use up the room the other way needs: a sender that keeps a
// window of large messages in flight fills the queue with its own
// messages, and the echo, unable to answer, deadlocks with it (two 8 KiB
// messages fill the default 16 KiB). Speed does not decide it: measured
// side by side, the two layouts ran equally fast.
var Transport = table.Transport{
	Name:    "sysvmsg",
	MaxSize: maxMsg,
	Open:    open,
	Attach:  attach,
}

func init() { table.Register(Transport) }

// Message types on a transport queue. The hang-up is an empty message of
// a type of its own: of its own type so that Recv tells it from data by
// the mtype msgrcv returns, and empty because an empty message fits in a
// queue whose bytes are all in use (msgsnd then counts only 1 + msg_qnum
// against msg_qbytes), so sending it does not wait behind unread data.
const (
	dataType   = 1
	hangUpType = 2
)

// maxSize is the largest message the transport carries: msgmax, and no
// more than msgmnb, the default msg_qbytes of a new queue (a message
// larger than the queue could never be sent: msgsnd would wait for ever).
// Both are per IPC namespace; 8192 (MSGMAX) where /proc is unreadable.
var maxMsg = maxSize()

func maxSize() int {
	l, err := ReadLimits()
	if err != nil {
		return 8192
	}
	return min(l.Max, l.Mnb)
}

// Endpoint is one process's end: it receives from queue In and sends to
// queue Out. Send and Recv reuse buffers that hold the mtype header and
// MaxSize bytes of text, so a message costs no allocation.
type Endpoint struct {
	In, Out int

	sbuf, rbuf []byte // struct msgbuf for Send and for Recv
	eof        bool   // Recv has taken the hang-up

	mu     sync.Mutex // serialises hang-ups (Close, PeerGone)
	closed bool
	gone   bool
}

// NewEndpoint returns an endpoint that receives from in and sends to out.
func NewEndpoint(in, out int) *Endpoint {
	e := &Endpoint{
		In:   in,
		Out:  out,
		sbuf: make([]byte, HeaderLen+maxMsg),
		rbuf: make([]byte, HeaderLen+maxMsg),
	}
	SetType(e.sbuf, dataType)
	return e
}

var errEmpty = errors.New("sysvmsg: empty message (a hang-up on this transport)")

// Send sends p as one message of type dataType.
func (e *Endpoint) Send(p []byte) error {
	if len(p) == 0 {
		return errEmpty
	}
	if len(p) > len(e.sbuf)-HeaderLen {
		return fmt.Errorf("sysvmsg: message of %d bytes, above the %d the transport carries", len(p), len(e.sbuf)-HeaderLen)
	}
	buf := e.sbuf[:HeaderLen+len(p)]
	copy(buf[HeaderLen:], p)
	return e.snd(buf)
}

// Recv receives the next message, which must be len(p) bytes. The
// hang-up (the other end's Close, or PeerGone) makes it and every later
// Recv return io.EOF; it comes after every message sent before it, since
// msgtyp 0 takes messages in the order they were queued.
func (e *Endpoint) Recv(p []byte) error {
	if e.eof {
		return io.EOF
	}
	if len(p) > len(e.rbuf)-HeaderLen {
		return fmt.Errorf("sysvmsg: Recv of %d bytes, above the %d the transport carries", len(p), len(e.rbuf)-HeaderLen)
	}
	buf := e.rbuf[:HeaderLen+len(p)]
	n, err := e.rcv(buf)
	if err != nil {
		return err
	}
	if TypeOf(buf) == hangUpType {
		e.eof = true
		return io.EOF
	}
	if n != len(p) {
		return fmt.Errorf("sysvmsg: received %d bytes, want %d", n, len(p))
	}
	copy(p, buf[HeaderLen:])
	return nil
}

// Close sends the hang-up to the other end, whose Recv then fails once it
// has taken what came before. The queues themselves belong to the test
// (open removes them when the test ends).
func (e *Endpoint) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	return hangUp(e.Out)
}

// PeerGone is table.PeerWatcher: a queue does not notice that the
// process on the other end has exited, so the harness says so, and the
// endpoint queues a hang-up behind whatever the peer sent before it went,
// for its own Recv to take.
func (e *Endpoint) PeerGone() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.gone {
		e.gone = true
		hangUp(e.In)
	}
}

// hangUp queues an empty message of type hangUpType on queue id without
// waiting: an empty message finds the queue full only when it already
// holds msg_qbytes messages. Then a goroutine sends it once a message
// leaves (or fails with EIDRM when the queue is removed).
func hangUp(id int) error {
	buf := make([]byte, HeaderLen)
	SetType(buf, hangUpType)
	err := SndBuf(id, buf, IPC_NOWAIT)
	if err == unix.EAGAIN {
		go SndBuf(id, buf, 0)
		return nil
	}
	return err
}

// snd and rcv are msgsnd and msgrcv, retried on EINTR; in a benchmark
// loop's raw mode (sys.SetRawIO) they are raw system calls.
func (e *Endpoint) snd(buf []byte) error { return SndBuf(e.Out, buf, 0) }

func (e *Endpoint) rcv(buf []byte) (int, error) { return RcvBuf(e.In, buf, 0, 0) }

// open makes the two queues (private, 0600), removed when the test ends,
// after its peers have been reaped.
func open(t testing.TB) (table.Endpoint, proc.PeerSpec) {
	t.Helper()
	toPeer, fromPeer := newQueue(t), newQueue(t)
	return NewEndpoint(fromPeer, toPeer),
		proc.PeerSpec{Args: []string{strconv.Itoa(toPeer), strconv.Itoa(fromPeer)}}
}

func newQueue(t testing.TB) int {
	t.Helper()
	id, err := Get(unix.IPC_PRIVATE, unix.IPC_CREAT|0o600)
	if err != nil {
		t.Fatalf("msgget(IPC_PRIVATE, IPC_CREAT|0600): %s", sys.ErrnoName(err))
	}
	t.Cleanup(func() {
		if err := Remove(id); err != nil {
			t.Errorf("remove message queue %d: %s", id, sys.ErrnoName(err))
		}
	})
	return id
}

// attach takes the queue ids from the args: the peer receives on the
// test's to-peer queue and sends on its from-peer queue.
func attach(args []string) (table.Endpoint, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("sysvmsg attach: want to-peer and from-peer queue ids, got %q", args)
	}
	toPeer, err1 := strconv.Atoi(args[0])
	fromPeer, err2 := strconv.Atoi(args[1])
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("sysvmsg attach: %v", err)
	}
	return NewEndpoint(toPeer, fromPeer), nil
}
