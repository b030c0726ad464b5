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
// the run and hands the peer its socket and both names.
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
	return NewDgramEndpoint(fds[0], mine, theirs), proc.PeerSpec{Files: []int{fds[1]}, Handoff: true, Args: []string{theirs, mine}}
}

func attachDgram(args []string) (table.Endpoint, error) {
	if len(args) < 2 {
		return nil, errors.New("unix-dgram: want the peer's and the test's socket names as the first arguments")
	}
	return NewDgramEndpoint(proc.PeerFD(0), args[0], args[1]), nil
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

// Recv takes one record, which must be len(p) bytes long. An empty record
// is the end of file.
func (e RecordEndpoint) Recv(p []byte) error {
	n, err := recvRecord(e.FD, p)
	switch {
	case err != nil:
		return err
	case n == 0:
		return io.EOF
	case n != len(p):
		return fmt.Errorf("record of %d bytes, want %d", n, len(p))
	}
	return nil
}

func (e RecordEndpoint) Close() error { return sys.Close(e.FD) }

// recvRecord receives one record into p and returns its real length: recv
// with MSG_TRUNC, so that a record longer than p is seen, not cut to fit.
//
// A peer that exits with records unread resets the connection, and Linux
// reports the reset before the records still queued: after ECONNRESET,
// recvRecord reads once more, for those records or the end of file.
func recvRecord(fd int, p []byte) (int, error) {
	n, err := recvTrunc(fd, p)
	if err == unix.ECONNRESET {
		n, err = recvTrunc(fd, p)
	}
	return int(n), err
}

// recvTrunc is recv(fd, p, MSG_TRUNC).
func recvTrunc(fd int, p []byte) (uintptr, error) {
	return sys.SyscallArgs(unix.SYS_RECVFROM, sys.Num(fd), sys.Ptr(unsafe.Pointer(unsafe.SliceData(p))),
		sys.Num(len(p)), sys.Num(unix.MSG_TRUNC), sys.Ptr(nil), sys.Ptr(nil))
}

// DgramEndpoint is one process's end of the datagram transport: a socket
// bound to a name of its own that sends to the other end's name. A
// datagram socket is not told when the other goes, so a hang-up datagram
// says it: one byte longer than the largest message, which no message can
// be taken for (an empty one would do on Linux, but gVisor drops empty
// datagrams). Close sends it to the other end; in the test process,
// PeerGone sends it to the endpoint itself, behind the datagrams the peer
// sent before it went.
type DgramEndpoint struct {
	FD       int
	self, to sockaddr
}

// hangUpLen is the length of the hang-up datagram.
const hangUpLen = maxSize + 1

// NewDgramEndpoint returns the endpoint of socket fd, bound to self, that
// sends to the socket named to (names as Addr takes them).
func NewDgramEndpoint(fd int, self, to string) *DgramEndpoint {
	return &DgramEndpoint{FD: fd, self: rawAddr(self), to: rawAddr(to)}
}

// sockaddr is a raw struct sockaddr_un and the length that counts.
type sockaddr struct {
	raw *unix.RawSockaddrUnix
	len int
}

func rawAddr(name string) sockaddr {
	a := sockaddr{raw: &unix.RawSockaddrUnix{Family: unix.AF_UNIX}}
	path := []byte(name)
	if path[0] == '@' {
		path[0] = 0 // an abstract name's leading NUL
	}
	for i, b := range path {
		a.raw.Path[i] = int8(b)
	}
	a.len = 2 + len(path) // sa_family_t, and the name without a NUL
	if path[0] != 0 {
		a.len++ // a path's NUL
	}
	return a
}

func (e *DgramEndpoint) Send(p []byte) error { return sendto(e.FD, p, 0, e.to) }

func sendto(fd int, p []byte, flags int, to sockaddr) error {
	n, err := sys.SyscallArgs(unix.SYS_SENDTO, sys.Num(fd), sys.Ptr(unsafe.Pointer(unsafe.SliceData(p))),
		sys.Num(len(p)), sys.Num(flags), sys.Ptr(unsafe.Pointer(to.raw)), sys.Num(to.len))
	if err == nil && int(n) != len(p) {
		return errShort
	}
	return err
}

// Recv takes one datagram, which must be len(p) bytes long; the hang-up
// is the end of file.
func (e *DgramEndpoint) Recv(p []byte) error {
	n, err := recvRecord(e.FD, p)
	switch {
	case err != nil:
		return err
	case n == hangUpLen:
		return io.EOF
	case n != len(p):
		return fmt.Errorf("datagram of %d bytes, want %d", n, len(p))
	}
	return nil
}

// Close sends the hang-up without waiting for room (a queue that full
// means the other end no longer reads) and closes. A hang-up refused
// because the other end is gone (ECONNREFUSED) needs no sending.
func (e *DgramEndpoint) Close() error {
	err := sendto(e.FD, make([]byte, hangUpLen), unix.MSG_DONTWAIT, e.to)
	closeErr := sys.Close(e.FD)
	if err != nil && err != unix.ECONNREFUSED && err != unix.EAGAIN {
		return err
	}
	return closeErr
}

// PeerGone queues the hang-up at the endpoint itself, without waiting.
func (e *DgramEndpoint) PeerGone() {
	sendto(e.FD, make([]byte, hangUpLen), unix.MSG_DONTWAIT, e.self)
}
