//go:build zmq

package zmq

import (
	"errors"
	"runtime"
	"time"

	zmq4 "github.com/pebbe/zmq4"
	"golang.org/x/sys/unix"
)

func libzmq() (major, minor, patch int, ok bool) {
	major, minor, patch = zmq4.Version()
	return major, minor, patch, true
}

// EFSM is libzmq's "operation cannot be accomplished in current state", as
// a unix.Errno, so that errors.Is matches it as it matches any errno.
var EFSM = unix.Errno(zmq4.EFSM)

// ErrName names an error for failure messages, EFSM included.
func ErrName(err error) string {
	if errors.Is(err, EFSM) {
		return "EFSM"
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		if name := unix.ErrnoName(errno); name != "" {
			return name
		}
	}
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// errWrongThread is a call on a socket from a thread other than its own.
var errWrongThread = errors.New("zmq socket used from a thread other than the one that created it")

// A Socket is a libzmq socket in a context of its own, created, used and
// closed by one OS thread: NewSocket locks the calling goroutine to its
// thread until Close, and every call checks that it runs there (a libzmq
// socket is not thread-safe). The context of its own makes Close
// synchronous: zmq_ctx_term returns once libzmq's threads have torn the
// socket down (connections closed, an ipc socket file removed) or its
// linger has run out.
//
// EINTR: Go preempts goroutines with a signal (SIGURG), which interrupts
// libzmq's blocking calls (poll inside zmq_msg_recv, zmq_ctx_term). zmq4
// retries every libzmq call on EINTR in its own loop while the context's
// RetryAfterEINTR is on. The package turns it on explicitly and keeps no
// second loop: zmq4's Close and Term mark the object closed before they
// call libzmq, so a retry outside zmq4 could not restart them.
// SetRetryEINTR turns it off, for the test that shows the EINTR.
type Socket struct {
	ctx *zmq4.Context
	soc *zmq4.Socket
	mon *zmq4.Socket // the monitor's PAIR end, once Watch has run
	tid int
}

// NewSocket makes a socket of type typ in a context of its own and locks
// the calling goroutine to its OS thread until Close.
func NewSocket(typ zmq4.Type) (*Socket, error) {
	runtime.LockOSThread()
	ctx, err := zmq4.NewContext()
	if err != nil {
		runtime.UnlockOSThread()
		return nil, errnoOf(err)
	}
	ctx.SetRetryAfterEINTR(true)
	soc, err := ctx.NewSocket(typ)
	if err != nil {
		ctx.Term()
		runtime.UnlockOSThread()
		return nil, errnoOf(err)
	}
	return &Socket{ctx: ctx, soc: soc, tid: unix.Gettid()}, nil
}

// errnoOf turns zmq4's Errno into a unix.Errno of the same number.
func errnoOf(err error) error {
	if e, ok := err.(zmq4.Errno); ok {
		return unix.Errno(e)
	}
	return err
}

// own fails a call made from another thread.
func (s *Socket) own() error {
	if unix.Gettid() != s.tid {
		return errWrongThread
	}
	return nil
}

// SetRetryEINTR turns zmq4's EINTR retry on or off.
func (s *Socket) SetRetryEINTR(on bool) { s.ctx.SetRetryAfterEINTR(on) }

func (s *Socket) Bind(endpoint string) error {
	if err := s.own(); err != nil {
		return err
	}
	return errnoOf(s.soc.Bind(endpoint))
}

func (s *Socket) Unbind(endpoint string) error {
	if err := s.own(); err != nil {
		return err
	}
	return errnoOf(s.soc.Unbind(endpoint))
}

func (s *Socket) Connect(endpoint string) error {
	if err := s.own(); err != nil {
		return err
	}
	return errnoOf(s.soc.Connect(endpoint))
}

// LastEndpoint is the address of the last bind, with the port the kernel
// chose for a tcp port 0.
func (s *Socket) LastEndpoint() (string, error) {
	if err := s.own(); err != nil {
		return "", err
	}
	ep, err := s.soc.GetLastEndpoint()
	return ep, errnoOf(err)
}

// SetRcvtimeo bounds a blocking receive: past d it fails with EAGAIN (-1:
// no bound).
func (s *Socket) SetRcvtimeo(d time.Duration) error {
	if err := s.own(); err != nil {
		return err
	}
	return errnoOf(s.soc.SetRcvtimeo(d))
}

// SetSndtimeo bounds a blocking send the same way.
func (s *Socket) SetSndtimeo(d time.Duration) error {
	if err := s.own(); err != nil {
		return err
	}
	return errnoOf(s.soc.SetSndtimeo(d))
}

// SetLinger bounds how long Close waits for unsent messages (-1: no
// bound, libzmq's default; 0: drop them).
func (s *Socket) SetLinger(d time.Duration) error {
	if err := s.own(); err != nil {
		return err
	}
	return errnoOf(s.soc.SetLinger(d))
}

// Send sends p as one part of a message; more says another part follows.
func (s *Socket) Send(p []byte, more bool) error {
	if err := s.own(); err != nil {
		return err
	}
	var flags zmq4.Flag
	if more {
		flags = zmq4.SNDMORE
	}
	_, err := s.soc.SendBytes(p, flags)
	return errnoOf(err)
}

// Recv receives one part of a message and whether more parts follow.
// zmq4 copies each part into a new slice: there is no receive into the
// caller's buffer.
func (s *Socket) Recv() (part []byte, more bool, err error) {
	return s.recv(0)
}

// RecvNow is Recv with ZMQ_DONTWAIT: EAGAIN at once when nothing is there.
func (s *Socket) RecvNow() (part []byte, more bool, err error) {
	return s.recv(zmq4.DONTWAIT)
}

func (s *Socket) recv(flags zmq4.Flag) ([]byte, bool, error) {
	part, err := s.recvPart(flags)
	if err != nil {
		return nil, false, err
	}
	more, err := s.soc.GetRcvmore()
	return part, more, errnoOf(err)
}

// recvPart receives one part without asking for RCVMORE, which costs two
// allocations through zmq4 (getsockopt's value and length escape to the
// heap).
func (s *Socket) recvPart(flags zmq4.Flag) ([]byte, error) {
	if err := s.own(); err != nil {
		return nil, err
	}
	part, err := s.soc.RecvBytes(flags)
	return part, errnoOf(err)
}

// Watch starts libzmq's monitor of the socket for the events of mask,
// which Event then reads.
func (s *Socket) Watch(mask zmq4.Event) error {
	if err := s.own(); err != nil {
		return err
	}
	addr := "inproc://monitor"
	if err := s.soc.Monitor(addr, mask); err != nil {
		return errnoOf(err)
	}
	mon, err := s.ctx.NewSocket(zmq4.PAIR)
	if err != nil {
		return errnoOf(err)
	}
	s.mon = mon
	// Connected before the socket binds or connects: libzmq drops the
	// events that no monitor end takes.
	return errnoOf(mon.Connect(addr))
}

// Event returns the monitor's next event, waiting up to d (0: not at all;
// EAGAIN when none came).
func (s *Socket) Event(d time.Duration) (zmq4.Event, error) {
	if err := s.own(); err != nil {
		return 0, err
	}
	flags := zmq4.DONTWAIT
	if d > 0 {
		flags = 0
		if err := s.mon.SetRcvtimeo(d); err != nil {
			return 0, errnoOf(err)
		}
	}
	ev, _, _, err := s.mon.RecvEvent(flags)
	return ev, errnoOf(err)
}

// Close closes the socket and its monitor, ends the context (which waits
// out the linger), and unlocks the thread.
func (s *Socket) Close() error {
	if err := s.own(); err != nil {
		return err
	}
	var errs []error
	if s.mon != nil {
		s.mon.SetLinger(0)
		errs = append(errs, s.mon.Close())
	}
	errs = append(errs, s.soc.Close(), s.ctx.Term())
	runtime.UnlockOSThread()
	for _, err := range errs {
		if err != nil {
			return errnoOf(err)
		}
	}
	return nil
}
