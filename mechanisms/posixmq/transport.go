package posixmq

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// Transport is the "posixmq" row: a ping-pong channel of two POSIX message
// queues, one per direction. The queues are unlinked as soon as both ends'
// descriptors exist, and the peer gets its descriptors as inherited fds:
// no name outlives the opening, and a queue goes when its last descriptor
// closes.
var Transport = table.Transport{
	Name:    "posixmq",
	MaxSize: transportMsgsize,
	Open:    openTransport,
	Attach:  attachTransport,
}

func init() { table.Register(Transport) }

// transportMsgsize is each queue's mq_msgsize and the largest message the
// transport carries: fs/mqueue/msgsize_max, which a process without
// CAP_SYS_RESOURCE may not exceed, and no more than its default
// (MSGSIZE_MAX's default in ipc/mqueue.c), where /proc is unreadable.
var transportMsgsize = min(limitOr("msgsize_max", 8192), 8192)

// transportMaxmsg is each queue's mq_maxmsg: fs/mqueue/msg_max, and no
// more than its default, which holds more than the messages the contract
// keeps in flight.
var transportMaxmsg = min(limitOr("msg_max", 10), 10)

// limitOr reads /proc/sys/fs/mqueue/NAME, or returns def.
func limitOr(name string, def int) int {
	n, err := sys.Sysctl("fs/mqueue/" + name)
	if err != nil || n < 1 {
		return def
	}
	return n
}

// Endpoint is one process's end: it receives from queue In and sends to
// queue Out. An empty message is the hang-up: Close sends it, and Recv
// turns it into io.EOF.
type Endpoint struct {
	In, Out int

	rbuf []byte // mq_msgsize bytes: mq_receive refuses a smaller buffer
	eof  bool   // Recv has taken the hang-up

	mu       sync.Mutex // serialises hang-ups (Close, PeerGone)
	closed   bool
	gone     bool
	released atomic.Bool    // the fds are about to close: stop waiting for room
	waiting  sync.WaitGroup // hang-ups waiting for room
}

// NewEndpoint returns an endpoint that receives from in and sends to out,
// two queues of mq_msgsize msgsize.
func NewEndpoint(in, out, msgsize int) *Endpoint {
	return &Endpoint{In: in, Out: out, rbuf: make([]byte, msgsize)}
}

var errEmpty = errors.New("posixmq: empty message (a hang-up on this transport)")

// Send sends p as one message of priority 0.
func (e *Endpoint) Send(p []byte) error {
	if len(p) == 0 {
		return errEmpty
	}
	if len(p) > len(e.rbuf) {
		return fmt.Errorf("posixmq: message of %d bytes, above the %d the transport carries", len(p), len(e.rbuf))
	}
	return send(e.Out, p)
}

// Recv receives the next message, which must be len(p) bytes. The hang-up
// makes it and every later Recv return io.EOF; it comes after every
// message sent before it, since messages of one priority leave in the
// order they came.
func (e *Endpoint) Recv(p []byte) error {
	if e.eof {
		return io.EOF
	}
	n, err := receive(e.In, e.rbuf)
	if err != nil {
		return err
	}
	if n == 0 {
		e.eof = true
		return io.EOF
	}
	if n != len(p) {
		return fmt.Errorf("posixmq: received %d bytes, want %d", n, len(p))
	}
	copy(p, e.rbuf[:n])
	return nil
}

// Close sends the hang-up to the other end, whose Recv then fails once it
// has taken what came before. The descriptors belong to the test (or die
// with the peer).
func (e *Endpoint) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	return e.hangUp(e.Out)
}

// PeerGone is table.PeerWatcher: a queue does not notice that the process
// on the other end has exited, so the harness says so, and the endpoint
// queues a hang-up behind whatever the peer sent before it went, for its
// own Recv to take.
func (e *Endpoint) PeerGone() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.gone {
		e.gone = true
		e.hangUp(e.In)
	}
}

// hangUp queues an empty message on fd without waiting. On a full queue a
// goroutine sends it once a message leaves, waiting in bounded steps so
// that it gives up when the endpoint's descriptors are released.
func (e *Endpoint) hangUp(fd int) error {
	err := TimedSend(fd, nil, 0, pastDeadline())
	if err != unix.ETIMEDOUT {
		return err
	}
	e.waiting.Add(1)
	go func() {
		defer e.waiting.Done()
		for !e.released.Load() {
			deadline := unix.NsecToTimespec(time.Now().Add(sys.BlockBound()).UnixNano())
			if err := TimedSend(fd, nil, 0, &deadline); err != unix.ETIMEDOUT {
				return
			}
		}
	}()
	return nil
}

// release stops hang-ups still waiting for room, before the descriptors
// close.
func (e *Endpoint) release() {
	e.released.Store(true)
	e.waiting.Wait()
}

// pastDeadline is an absolute deadline already gone: a timed call fails
// with ETIMEDOUT instead of sleeping, and succeeds where it need not wait.
func pastDeadline() *unix.Timespec { return &unix.Timespec{Sec: 1} }

// send and receive are mq_send and mq_receive, retried on EINTR; in a
// benchmark loop's raw mode (sys.SetRawIO) they bypass the runtime's
// syscall entry and exit, as the other rows' calls do. The buffer's
// pointer is converted in the call itself (see mq.go).
func send(fd int, p []byte) error {
	for {
		var errno unix.Errno
		if sys.RawIO() {
			_, _, errno = unix.RawSyscall6(unix.SYS_MQ_TIMEDSEND, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), 0, 0, 0)
		} else {
			_, _, errno = unix.Syscall6(unix.SYS_MQ_TIMEDSEND, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), 0, 0, 0)
		}
		switch errno {
		case 0:
			return nil
		case unix.EINTR:
		default:
			return errno
		}
	}
}

func receive(fd int, buf []byte) (int, error) {
	for {
		var r uintptr
		var errno unix.Errno
		if sys.RawIO() {
			r, _, errno = unix.RawSyscall6(unix.SYS_MQ_TIMEDRECEIVE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(len(buf)), 0, 0, 0)
		} else {
			r, _, errno = unix.Syscall6(unix.SYS_MQ_TIMEDRECEIVE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(len(buf)), 0, 0, 0)
		}
		switch errno {
		case 0:
			if int(r) > len(buf) {
				return 0, fmt.Errorf("posixmq: mq_receive returned %d bytes for a buffer of %d", r, len(buf))
			}
			return int(r), nil
		case unix.EINTR:
		default:
			return 0, errno
		}
	}
}

// openTransport makes the two queues under the suite's prefix, hands the
// peer a descriptor of each, and unlinks both names at once. The test's
// descriptors close when the test ends, after its peers have been reaped.
func openTransport(t testing.TB) (table.Endpoint, proc.PeerSpec) {
	t.Helper()
	if call := missingQueueIO(); call != "" {
		t.Skipf("the kernel (%s) has no %s (ENOSYS): no queue to carry messages", sys.KernelRelease(), call)
	}
	toPeer, fromPeer := transportQueue(t), transportQueue(t)
	peerTo, peerFrom := dupOwned(t, toPeer), dupOwned(t, fromPeer)
	ep := NewEndpoint(fromPeer, toPeer, transportMsgsize)
	t.Cleanup(ep.release) // runs before the descriptors close
	return ep, proc.PeerSpec{
		Files:   []int{peerTo, peerFrom},
		Handoff: true,
		Args:    []string{strconv.Itoa(transportMsgsize)},
	}
}

// missingQueueIO names the first call that uses a queue which the kernel
// lacks, or is "": probed on fd -1, each is EBADF where it exists and
// ENOSYS where it does not (gVisor has mq_open alone).
func missingQueueIO() string {
	for _, c := range []struct {
		name string
		err  error
	}{
		{"mq_timedsend", SendOnce(-1, nil, 0)},
		{"mq_timedreceive", ReceiveOnce(-1, nil)},
		{"mq_getsetattr", func() error { _, err := GetAttr(-1); return err }()},
	} {
		if c.err == unix.ENOSYS {
			return c.name
		}
	}
	return ""
}

// transportQueue makes one queue with O_CREAT|O_EXCL|O_RDWR, mode 0600,
// and unlinks its name.
func transportQueue(t testing.TB) int {
	t.Helper()
	name := proc.Name()
	fd, err := Open(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR|unix.O_CLOEXEC, 0o600,
		&Attr{Maxmsg: int64(transportMaxmsg), Msgsize: int64(transportMsgsize)})
	if err != nil {
		t.Fatalf("mq_open(%s, O_CREAT|O_EXCL, maxmsg %d, msgsize %d): %s", name, transportMaxmsg, transportMsgsize, sys.ErrnoName(err))
	}
	sys.Own(t, fd)
	if err := Unlink(name); err != nil {
		t.Fatalf("mq_unlink(%s): %s", name, sys.ErrnoName(err))
	}
	return fd
}

func dupOwned(t testing.TB, fd int) int {
	t.Helper()
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		t.Fatalf("dup of mq descriptor %d: %s", fd, sys.ErrnoName(err))
	}
	return sys.Own(t, dup)
}

// attachTransport takes the inherited descriptors: the peer receives on
// the test's to-peer queue and sends on its from-peer queue.
func attachTransport(args []string) (table.Endpoint, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("posixmq attach: want mq_msgsize, got %q", args)
	}
	msgsize, err := strconv.Atoi(args[0])
	if err != nil || msgsize < 1 {
		return nil, fmt.Errorf("posixmq attach: bad mq_msgsize %q", args[0])
	}
	return NewEndpoint(proc.PeerFD(0), proc.PeerFD(1), msgsize), nil
}
