package fifo

import (
	"errors"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The transport's first Send blocks in open until the peer opens its end;
// if the peer never comes (it died before attaching), the test's cleanup
// releases the Send with an error instead of leaving a thread stuck in open.
func TestTransportSendWithoutPeerIsReleasedAtCleanup(t *testing.T) {
	var send *sys.Pending[error]
	t.Run("no peer", func(t *testing.T) {
		ep, _ := Transport.Open(t)
		t.Cleanup(func() { ep.Close() })
		send = sys.Start("first Send with no peer", func() error { return ep.Send([]byte("x")) })
		send.RequireBlocked(t)
	})
	if err := send.Wait(t); !errors.Is(err, errClosed) {
		t.Fatalf("Send after the cleanup: %v, want %v", err, errClosed)
	}
}
