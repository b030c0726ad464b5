//go:build zmq

package zmq

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	zmq4 "github.com/pebbe/zmq4"
	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// The ping-pong transports: REQ/REP's protocol over tcp (IPv4 loopback,
// a port the kernel picks) and over ipc (a socket file in a directory of
// the run). The peer's end is a REP socket that connects. The test's end
// binds a DEALER and speaks REQ's envelope (an empty delimiter part, then
// the message): the contract keeps several requests in flight, which a REQ
// socket refuses (EFSM), while the REP peer answers them in order.
var (
	TCP = table.Transport{Name: "zmq-tcp", MaxSize: maxSize, Open: opener("tcp://127.0.0.1:0"), Attach: attach}
	IPC = table.Transport{Name: "zmq-ipc", MaxSize: maxSize, Open: opener("ipc"), Attach: attach}
)

func init() {
	table.Register(TCP)
	table.Register(IPC)
}

// maxSize is the largest message of both transports, as for the kernel's
// sockets.
const maxSize = 1 << 16

// watchEvery bounds each blocking send and receive of an endpoint: when it
// runs out, the endpoint looks at its monitor's events to see whether the
// other end has gone, and waits again if not. libzmq itself never fails a
// call because the other process died.
const watchEvery = 50 * time.Millisecond

// lingerBound is how long the peer's Close waits for its last replies to
// leave.
const lingerBound = 5 * time.Second

// The monitor events an endpoint follows.
const watched = zmq4.EVENT_CONNECTED | zmq4.EVENT_ACCEPTED | zmq4.EVENT_DISCONNECTED | zmq4.EVENT_CONNECT_RETRIED

// opener returns the transport's Open: it binds the test's DEALER to addr
// ("ipc": a socket file in a fresh directory of the run) and hands the
// address bound, with its port, to the peer.
func opener(addr string) func(t testing.TB) (table.Endpoint, proc.PeerSpec) {
	return func(t testing.TB) (table.Endpoint, proc.PeerSpec) {
		t.Helper()
		addr := addr
		if addr == "ipc" {
			addr = "ipc://" + filepath.Join(proc.Dir(t), "s")
		}
		var bound string
		open := func() (*Endpoint, error) {
			e, err := newEndpoint(zmq4.DEALER)
			if err != nil {
				return nil, err
			}
			if err := e.s.Bind(addr); err != nil {
				e.s.Close()
				return nil, fmt.Errorf("bind %s: %s", addr, ErrName(err))
			}
			if bound, err = e.s.LastEndpoint(); err != nil {
				e.s.Close()
				return nil, fmt.Errorf("ZMQ_LAST_ENDPOINT: %s", ErrName(err))
			}
			return e, nil
		}
		// A benchmark (table.PingPong) calls its endpoint from the
		// goroutine that opened it, cleanups included: that goroutine owns
		// the socket. The contract calls from goroutines of its own: a
		// goroutine of the endpoint's owns it, at the cost of two thread
		// switches a call.
		var ep *Endpoint
		var err error
		if _, bench := t.(*testing.B); bench {
			ep, err = open()
		} else {
			ep, err = serve(open)
		}
		if err != nil {
			t.Fatalf("zmq transport: %v", err)
		}
		t.Cleanup(func() { ep.Close() })
		return ep, proc.PeerSpec{Args: []string{bound}}
	}
}

// attach connects the peer's REP socket to the address Open bound. The
// peer's goroutine owns it.
func attach(args []string) (table.Endpoint, error) {
	if len(args) < 1 {
		return nil, errors.New("zmq: want the address to connect to as the first argument")
	}
	e, err := newEndpoint(zmq4.REP)
	if err != nil {
		return nil, err
	}
	if err := e.s.Connect(args[0]); err != nil {
		e.s.Close()
		return nil, fmt.Errorf("connect %s: %s", args[0], ErrName(err))
	}
	return e, nil
}

// An Endpoint is one process's end of a transport. The peer's, and a
// benchmark's, is used by the goroutine that made it, on that goroutine's
// locked thread. In the contract the test's is owned by a goroutine of its
// own (serve), which makes every libzmq call: the contract calls Send and
// Recv from one goroutine and Close from another.
type Endpoint struct {
	s      *Socket
	dealer bool // speaks REQ's envelope

	connected    bool // the monitor saw a connection made
	disconnected bool // the monitor saw it drop, or a connect refused before one was made

	peerGone atomic.Bool // the harness saw the peer process exit
	closing  atomic.Bool // Close has been called
	closed   bool

	calls    chan *call // to the owning goroutine; nil: called on the owning thread
	hot, end call       // Send and Recv's call, and Close's
}

// A call is one method call handed to the owning goroutine.
type call struct {
	op   int
	p    []byte
	err  error
	done chan struct{}
}

const (
	opSend = iota
	opRecv
	opClose
)

func newEndpoint(typ zmq4.Type) (*Endpoint, error) {
	s, err := NewSocket(typ)
	if err != nil {
		return nil, err
	}
	e := &Endpoint{s: s, dealer: typ == zmq4.DEALER}
	for _, set := range []func() error{
		func() error { return s.SetRcvtimeo(watchEvery) },
		func() error { return s.SetSndtimeo(watchEvery) },
		func() error { return s.Watch(watched) },
	} {
		if err := set(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return e, nil
}

// serve runs open on a goroutine of its own, which then makes every call
// of the endpoint until Close.
func serve(open func() (*Endpoint, error)) (*Endpoint, error) {
	type result struct {
		e   *Endpoint
		err error
	}
	opened := make(chan result, 1)
	go func() {
		e, err := open() // locks this goroutine to its thread
		if err != nil {
			opened <- result{nil, err}
			return
		}
		calls := make(chan *call)
		e.calls = calls
		e.hot.done = make(chan struct{})
		e.end.done = make(chan struct{})
		opened <- result{e, nil}
		for c := range calls {
			switch c.op {
			case opSend:
				c.err = e.send(c.p)
			case opRecv:
				c.err = e.recv(c.p)
			case opClose:
				c.err = e.close()
			}
			c.done <- struct{}{}
			if c.op == opClose {
				return
			}
		}
	}()
	r := <-opened
	return r.e, r.err
}

func (e *Endpoint) do(c *call, op int, p []byte) error {
	c.op, c.p = op, p
	e.calls <- c
	<-c.done
	return c.err
}

func (e *Endpoint) Send(p []byte) error {
	if e.calls != nil {
		return e.do(&e.hot, opSend, p)
	}
	return e.send(p)
}

func (e *Endpoint) Recv(p []byte) error {
	if e.calls != nil {
		return e.do(&e.hot, opRecv, p)
	}
	return e.recv(p)
}

// Close closes the socket; a Recv or Send still waiting in the owning
// goroutine returns first (io.EOF, EPIPE), within watchEvery. Closing
// twice does nothing.
func (e *Endpoint) Close() error {
	if e.closing.Swap(true) {
		return nil
	}
	if e.calls != nil {
		return e.do(&e.end, opClose, nil)
	}
	return e.close()
}

// PeerGone tells the test's end that the peer process has exited: a peer
// that never connected will not, and Recv then returns io.EOF.
func (e *Endpoint) PeerGone() { e.peerGone.Store(true) }

// Flush closes the peer's end with a linger, which waits for the replies
// libzmq's I/O thread has not yet written: libzmq has no flush short of
// closing.
func (e *Endpoint) Flush() error { return e.Close() }

func (e *Endpoint) close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	linger := time.Duration(0)
	if !e.dealer {
		linger = lingerBound
	}
	e.s.SetLinger(linger)
	return e.s.Close()
}

// errEnvelope is a message that is not in REQ's envelope.
var errEnvelope = errors.New("zmq: message without REQ's empty delimiter part")

func (e *Endpoint) send(p []byte) error {
	if e.dealer {
		if err := e.sendPart(nil, true); err != nil {
			return err
		}
	}
	return e.sendPart(p, false)
}

// sendPart sends one part. A send waits while there is no connection to
// send on (a DEALER before the peer connects); when the other end has
// gone it fails with EPIPE.
func (e *Endpoint) sendPart(p []byte, more bool) error {
	for {
		err := e.s.Send(p, more)
		if !errors.Is(err, unix.EAGAIN) {
			return err
		}
		if e.ended() {
			return unix.EPIPE
		}
	}
}

// recv receives one message of len(p) bytes into p. A REP's reply is
// the empty delimiter and one part: recv checks the delimiter and the
// length, without RCVMORE (see Socket.recvPart).
func (e *Endpoint) recv(p []byte) error {
	if e.dealer {
		delim, err := e.recvPart()
		if err != nil {
			return err
		}
		if len(delim) != 0 {
			return errEnvelope
		}
	}
	msg, err := e.recvPart()
	switch {
	case err != nil:
		return err
	case len(msg) != len(p):
		return fmt.Errorf("message of %d bytes, want %d", len(msg), len(p))
	}
	copy(p, msg)
	return nil
}

// recvPart receives one part. Once the other end has gone it returns what
// is still queued, then io.EOF.
func (e *Endpoint) recvPart() ([]byte, error) {
	for !e.disconnected {
		part, err := e.s.recvPart(0)
		if !errors.Is(err, unix.EAGAIN) {
			return part, err
		}
		e.ended()
	}
	part, err := e.s.recvPart(zmq4.DONTWAIT)
	if errors.Is(err, unix.EAGAIN) {
		return nil, io.EOF
	}
	return part, err
}

// ended reads the monitor's events and reports whether the other end has
// gone: its connection dropped; or, before any connection, a connect was
// refused (the test's end, which binds before the peer starts, is closed)
// or the harness saw the peer exit; or this end is closing. libzmq emits
// the drop after it has queued every message that came before it, so what
// the other end sent is still received.
func (e *Endpoint) ended() bool {
	for {
		ev, err := e.s.Event(0)
		if err != nil {
			break
		}
		switch ev {
		case zmq4.EVENT_CONNECTED, zmq4.EVENT_ACCEPTED:
			e.connected = true
		case zmq4.EVENT_DISCONNECTED:
			e.disconnected = true
		case zmq4.EVENT_CONNECT_RETRIED:
			if !e.connected {
				e.disconnected = true
			}
		}
	}
	if e.closing.Load() || (e.peerGone.Load() && !e.connected) {
		e.disconnected = true
	}
	return e.disconnected
}
