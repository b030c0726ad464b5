// Package pipe holds ipcsuite's anonymous pipe transport; its tests prove
// the pipe semantics of man 7 pipe between real processes.
package pipe

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers"
)

// Transport is a ping-pong channel of two pipes, one per direction, used
// through raw blocking fds.
var Transport = helpers.Transport{
	Name:    "pipe",
	MaxSize: 1 << 16,
	Open:    open,
	Attach:  attach,
}

func init() { helpers.RegisterTransport(Transport) }

// Endpoint is one process's ends of the two pipes.
type Endpoint struct{ R, W int }

func (e Endpoint) Send(p []byte) error { return helpers.WriteFull(e.W, p) }
func (e Endpoint) Recv(p []byte) error { return helpers.ReadFull(e.R, p) }

func (e Endpoint) Close() error {
	errR, errW := helpers.Close(e.R), helpers.Close(e.W)
	if errR != nil {
		return errR
	}
	return errW
}

func open(t testing.TB) (helpers.Endpoint, helpers.PeerSpec) {
	toPeerR, toPeerW := helpers.Pipe(t, 0)
	fromPeerR, fromPeerW := helpers.Pipe(t, 0)
	return Endpoint{R: fromPeerR, W: toPeerW},
		helpers.PeerSpec{Files: []int{toPeerR, fromPeerW}, Handoff: true}
}

func attach([]string) (helpers.Endpoint, error) {
	return Endpoint{R: helpers.PeerFD(0), W: helpers.PeerFD(1)}, nil
}
