// Package fifo holds ipcsuite's named pipe (FIFO) transport; its tests prove
// the FIFO semantics of man 7 fifo between real processes.
package fifo

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// Transport is a ping-pong channel of two FIFOs, one per direction, that
// the peer opens by path, used through raw blocking fds.
var Transport = table.Transport{
	Name:    "fifo",
	MaxSize: 1 << 16,
	Open:    open,
	Attach:  attach,
}

func init() { table.Register(Transport) }

// Endpoint is one process's ends of the two FIFOs. The test's write end is
// opened on first use (connect), since opening it blocks until the peer
// has opened the FIFO for reading.
type Endpoint struct {
	R, W int

	toPeer string     // test side: the test->peer FIFO to connect to
	t      testing.TB // test side: owner of the connected fd
	once   sync.Once
	err    error // connect's outcome

	mu     sync.Mutex // orders a connect that returns late with Close
	closed bool
}

var errClosed = errors.New("fifo: endpoint closed")

func (e *Endpoint) Send(p []byte) error {
	if err := e.connect(); err != nil {
		return err
	}
	return sys.WriteFull(e.W, p)
}

func (e *Endpoint) Recv(p []byte) error {
	if err := e.connect(); err != nil {
		return err
	}
	return sys.ReadFull(e.R, p)
}

// connect opens the test->peer FIFO for writing, once. It returns when the
// peer has opened it for reading, which the peer does only after opening
// its peer->test writer (attach): from then on a read of R that returns 0
// means the peer has gone, not that it has not come yet.
func (e *Endpoint) connect() error {
	e.once.Do(func() {
		if e.toPeer == "" {
			return // the peer's side: attach opened both
		}
		fd, err := openFIFO(e.toPeer, unix.O_WRONLY)
		e.mu.Lock()
		defer e.mu.Unlock()
		switch {
		case err != nil:
			e.err = fmt.Errorf("open %s for writing: %w", e.toPeer, err)
		case e.closed: // released by open's cleanup after a failed test
			unix.Close(fd)
			e.err = errClosed
		default:
			e.W = sys.Own(e.t, fd)
		}
	})
	return e.err
}

func (e *Endpoint) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	var errs []error
	for _, fd := range []*int{&e.R, &e.W} {
		if *fd >= 0 {
			errs = append(errs, sys.Close(*fd))
			*fd = -1
		}
	}
	return errors.Join(errs...)
}

// openFIFO opens path with a raw fd, retrying the EINTR that a blocked
// FIFO open may see.
func openFIFO(path string, flags int) (int, error) {
	return sys.RetryValue(func() (int, error) { return unix.Open(path, flags|unix.O_CLOEXEC, 0) })
}

func open(t testing.TB) (table.Endpoint, proc.PeerSpec) {
	t.Helper()
	dir := proc.Dir(t)
	toPeer, fromPeer := filepath.Join(dir, "to-peer"), filepath.Join(dir, "from-peer")
	for _, path := range []string{toPeer, fromPeer} {
		if err := unix.Mkfifo(path, 0o600); err != nil {
			t.Fatalf("mkfifo %s: %s", path, sys.ErrnoName(err))
		}
	}
	// The test must not block here: the peer does not exist yet. A
	// nonblocking read open succeeds without a writer; the fd then goes
	// back to blocking for Recv.
	r, err := openFIFO(fromPeer, unix.O_RDONLY|unix.O_NONBLOCK)
	if err != nil {
		t.Fatalf("open %s for reading: %s", fromPeer, sys.ErrnoName(err))
	}
	sys.Own(t, r)
	sys.SetNonblock(t, r, false)
	// If the peer dies before opening to-peer for reading, a Send blocked
	// in connect waits for ever; at cleanup a reader of our own releases
	// it (registered after Dir's cleanup, so it runs before the removal).
	t.Cleanup(func() {
		if fd, err := openFIFO(toPeer, unix.O_RDONLY|unix.O_NONBLOCK); err == nil {
			unix.Close(fd)
		}
	})
	ep := &Endpoint{R: r, W: -1, toPeer: toPeer, t: t}
	return ep, proc.PeerSpec{Args: []string{toPeer, fromPeer}}
}

// attach opens the peer's ends by path. Order matters: peer->test first,
// which does not block because the test holds its reader from Open, then
// test->peer, which blocks until the test's first Send opens its writer.
// The other order lets the test's first Recv find no writer on peer->test
// yet and read a false end of file.
func attach(args []string) (table.Endpoint, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("fifo attach: want to-peer and from-peer paths, got %q", args)
	}
	toPeer, fromPeer := args[0], args[1]
	w, err := openFIFO(fromPeer, unix.O_WRONLY)
	if err != nil {
		return nil, fmt.Errorf("open %s for writing: %w", fromPeer, err)
	}
	r, err := openFIFO(toPeer, unix.O_RDONLY)
	if err != nil {
		unix.Close(w)
		return nil, fmt.Errorf("open %s for reading: %w", toPeer, err)
	}
	return &Endpoint{R: r, W: w}, nil
}
