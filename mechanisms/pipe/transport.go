// Package pipe holds ipcsuite's anonymous pipe transport; its tests prove
// the pipe semantics of man 7 pipe between real processes.
package pipe

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// Transport is a ping-pong channel of two pipes, one per direction, used
// through raw blocking fds.
var Transport = table.Transport{
	Name:    "pipe",
	MaxSize: 1 << 16,
	Open:    open,
	Attach:  attach,
}

func init() { table.Register(Transport) }

// Endpoint is one process's ends of the two pipes.
type Endpoint struct{ R, W int }

func (e Endpoint) Send(p []byte) error { return sys.WriteFull(e.W, p) }
func (e Endpoint) Recv(p []byte) error { return sys.ReadFull(e.R, p) }

func (e Endpoint) Close() error {
	errR, errW := sys.Close(e.R), sys.Close(e.W)
	if errR != nil {
		return errR
	}
	return errW
}

func open(t testing.TB) (table.Endpoint, proc.PeerSpec) {
	toPeerR, toPeerW := sys.Pipe(t, 0)
	fromPeerR, fromPeerW := sys.Pipe(t, 0)
	return Endpoint{R: fromPeerR, W: toPeerW},
		proc.PeerSpec{Files: []int{toPeerR, fromPeerW}, Handoff: true}
}

func attach([]string) (table.Endpoint, error) {
	return Endpoint{R: proc.PeerFD(0), W: proc.PeerFD(1)}, nil
}
