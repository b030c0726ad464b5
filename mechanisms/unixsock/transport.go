package unixsock

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// The ping-pong transports, used through raw blocking fds. The stream
// and seqpacket transports are socketpairs: a seqpacket record carries one
// message, and the stream is read until a message is whole. The datagram
// transport is two sockets bound to abstract names, each sending to the
// other's name: a connected datagram socket whose send is refused
// (ECONNREFUSED, its peer gone) drops its own unread datagrams, which
// would lose the echoes still in flight when a peer exits.
var (
	Stream    = pairTransport("unix-stream", unix.SOCK_STREAM)
	Seqpacket = pairTransport("unix-seqpacket", unix.SOCK_SEQPACKET)
	Dgram     = table.Transport{Name: "unix-dgram", MaxSize: maxSize, Open: openDgram, Attach: attachDgram}
)

func init() {
	table.Register(Stream)
	table.Register(Dgram)
	table.Register(Seqpacket)
}

// maxSize is the largest message of every transport: far below the
// largest record a socket of the default SO_SNDBUF sends.
const maxSize = 1 << 16

func pairTransport(name string, typ int) table.Transport {
	return table.Transport{
		Name:    name,
		MaxSize: maxSize,
		Open: func(t testing.TB) (table.Endpoint, proc.PeerSpec) {
			fds, err := unix.Socketpair(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatalf("socketpair(AF_UNIX, %s): %s", Types[typ], sys.ErrnoName(err))
			}
			sys.Own(t, fds[0])
			sys.Own(t, fds[1])
			if typ == unix.SOCK_STREAM {
				return StreamEndpoint{fds[0]}, proc.PeerSpec{Files: []int{fds[1]}, Handoff: true}
			}
			return RecordEndpoint{fds[0]}, proc.PeerSpec{Files: []int{fds[1]}, Handoff: true}
		},
		Attach: func([]string) (table.Endpoint, error) {
			if typ == unix.SOCK_STREAM {
				return StreamEndpoint{proc.PeerFD(0)}, nil
			}
			return RecordEndpoint{proc.PeerFD(0)}, nil
		},
	}
}

// openDgram binds a datagram socket for each end to an abstract name of
// the run and hands the peer its socket and the test's name.
func openDgram(t testing.TB) (table.Endpoint, proc.PeerSpec) {
	name := "@" + proc.Name()
	mine, theirs := name+".t", name+".p"
	var fds [2]int
	for i, n := range []string{mine, theirs} {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatalf("socket(AF_UNIX, SOCK_DGRAM): %s", sys.ErrnoName(err))
		}
		fds[i] = sys.Own(t, fd)
		if err := unix.Bind(fd, Addr(n)); err != nil {
			t.Fatalf("bind %s: %s", n, sys.ErrnoName(err))
		}
	}
	return NewDgramEndpoint(fds[0], theirs), proc.PeerSpec{Files: []int{fds[1]}, Handoff: true, Args: []string{mine}}
}

func attachDgram(args []string) (table.Endpoint, error) {
	if len(args) < 1 {
		return nil, errors.New("unix-dgram: want the test's socket name as the first argument")
	}
	return NewDgramEndpoint(proc.PeerFD(0), args[0]), nil
}

// StreamEndpoint is one process's end of a stream socketpair. A peer that
// is gone gives end of file to Recv and EPIPE to Send.
type StreamEndpoint struct{ FD int }

func (e StreamEndpoint) Send(p []byte) error { return sys.WriteFull(e.FD, p) }
func (e StreamEndpoint) Recv(p []byte) error { return sys.ReadFull(e.FD, p) }
func (e StreamEndpoint) Close() error        { return sys.Close(e.FD) }

// RecordEndpoint is one process's end of a seqpacket socketpair, whose
// records end with the peer: Recv gets 0 (end of file) once it is gone,
// and Send EPIPE.
type RecordEndpoint struct{ FD int }

// errShort is a record sent in part, which a record socket never does.
var errShort = errors.New("record sent in part")

func (e RecordEndpoint) Send(p []byte) error {
	n, err := sys.Write(e.FD, p)
	if err == nil && n != len(p) {
		return errShort
	}
	return err
}

// Recv takes one record, which must be len(p) bytes long: recv with
// MSG_TRUNC returns a record's real length, so a longer one is seen, not
// cut to fit. An empty record is the end: end of file or a hang-up.
//
// A peer that exits with records unread resets the connection, and a
// record socket reports the reset before the records still queued: after
// ECONNRESET, Recv reads on, for those records or the end of file.
func (e RecordEndpoint) Recv(p []byte) error {
	n, err := recvTrunc(e.FD, p)
	if err == unix.ECONNRESET {
		n, err = recvTrunc(e.FD, p)
	}
	switch {
	case err != nil:
		return err
	case n == 0:
		return io.EOF
	case int(n) != len(p):
		return fmt.Errorf("record of %d bytes, want %d", n, len(p))
	}
	return nil
}

// recvTrunc is recv(fd, p, MSG_TRUNC): the record's real length.
func recvTrunc(fd int, p []byte) (uintptr, error) {
	return sys.SyscallArgs(unix.SYS_RECVFROM, sys.Num(fd), sys.Ptr(unsafe.Pointer(unsafe.SliceData(p))),
		sys.Num(len(p)), sys.Num(unix.MSG_TRUNC), sys.Ptr(nil), sys.Ptr(nil))
}

func (e RecordEndpoint) Close() error { return sys.Close(e.FD) }

// DgramEndpoint is one process's end of the datagram transport: a socket
// that sends to the other end's abstract name. A datagram socket is not
// told when the other goes: Close sends an empty datagram first, the
// hang-up, and in the test process PeerGone shuts down the receiving
// side, so that Recv returns end of file once the datagrams the peer sent
// are read.
type DgramEndpoint struct {
	RecordEndpoint
	to    *unix.RawSockaddrUnix
	tolen int
}

// NewDgramEndpoint returns the endpoint of socket fd that sends to the
// socket named to ("@name" for an abstract name).
func NewDgramEndpoint(fd int, to string) *DgramEndpoint {
	e := &DgramEndpoint{RecordEndpoint: RecordEndpoint{fd}, to: &unix.RawSockaddrUnix{Family: unix.AF_UNIX}}
	path := []byte(to)
	if path[0] == '@' {
		path[0] = 0 // an abstract name's leading NUL
	}
	for i, b := range path {
		e.to.Path[i] = int8(b)
	}
	e.tolen = 2 + len(path) // sa_family_t, and the name without a NUL
	return e
}

func (e *DgramEndpoint) Send(p []byte) error {
	return e.sendto(p, 0)
}

func (e *DgramEndpoint) sendto(p []byte, flags int) error {
	n, err := sys.SyscallArgs(unix.SYS_SENDTO, sys.Num(e.FD), sys.Ptr(unsafe.Pointer(unsafe.SliceData(p))),
		sys.Num(len(p)), sys.Num(flags), sys.Ptr(unsafe.Pointer(e.to)), sys.Num(e.tolen))
	if err == nil && int(n) != len(p) {
		return errShort
	}
	return err
}

// Close sends the hang-up without waiting for room (a queue that full
// means the other end no longer reads) and closes. A hang-up refused
// because the other end is gone needs no sending.
func (e *DgramEndpoint) Close() error {
	err := e.sendto(nil, unix.MSG_DONTWAIT)
	closeErr := sys.Close(e.FD)
	if err != nil && err != unix.ECONNREFUSED && err != unix.EAGAIN {
		return err
	}
	return closeErr
}

// PeerGone shuts down the receiving side: a Recv asleep wakes, and every
// Recv after the queued datagrams returns 0.
func (e *DgramEndpoint) PeerGone() { unix.Shutdown(e.FD, unix.SHUT_RD) }
