//go:build zmq

package zmq

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	zmq4 "github.com/pebbe/zmq4"
	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// boundarySizes are the sizes of the boundary rule: empty, one byte, the
// table's sizes, and sizes past libzmq's one-byte length field, its
// in-message data and a socket buffer.
var boundarySizes = []int{0, 1, 100, 1024, 255, 256, 65536, 1 << 20}

// A message keeps its boundaries over a byte stream: messages sent back to
// back arrive one per receive, each whole and of its own size, whatever
// the size, the empty one included.
func TestMessagesKeepTheirBoundaries(t *testing.T) {
	overBoth(t, func(t *testing.T, addr string) {
		pull := newSocket(t, zmq4.PULL)
		defer mustClose(t, pull)
		peer := peerSocket(t, "PUSH", bound(t, pull, addr))
		sizes := make([]string, len(boundarySizes))
		for i, n := range boundarySizes {
			sizes[i] = strconv.Itoa(n)
		}
		peer.Must(t, "ok", "sizes %s", strings.Join(sizes, " "))
		for _, n := range boundarySizes {
			part, more, err := pull.Recv()
			if err != nil {
				t.Fatalf("recv the message of %d bytes: %s", n, ErrName(err))
			}
			if more || !bytes.Equal(part, pattern(n)) {
				t.Fatalf("message of %d bytes arrived as %d bytes (more parts: %v)", n, len(part), more)
			}
		}
	})
}

// A multipart message arrives whole: every part, in order, each with
// RCVMORE set but the last; and none of it before its last part is sent.
func TestMultipart(t *testing.T) {
	t.Run("parts arrive in order with RCVMORE on all but the last", func(t *testing.T) {
		overBoth(t, func(t *testing.T, addr string) {
			pull := newSocket(t, zmq4.PULL)
			defer mustClose(t, pull)
			peer := peerSocket(t, "PUSH", bound(t, pull, addr))
			parts := []string{"one", "-", "three", "four"}
			for i, p := range parts {
				peer.Must(t, "ok", "send %s%s", p, moreWord(i < len(parts)-1))
			}
			for i, p := range parts {
				mustRecv(t, pull, p+moreWord(i < len(parts)-1))
			}
		})
	})
	t.Run("nothing arrives before the last part is sent", func(t *testing.T) {
		overBoth(t, func(t *testing.T, addr string) {
			pull := newSocket(t, zmq4.PULL)
			defer mustClose(t, pull)
			peer := peerSocket(t, "PUSH", bound(t, pull, addr))
			peer.Must(t, "ok", "send head more")
			peer.Must(t, "ok", "send body more")
			if err := pull.SetRcvtimeo(sys.BlockBound()); err != nil {
				t.Fatalf("ZMQ_RCVTIMEO: %s", ErrName(err))
			}
			part, _, err := pull.Recv()
			sys.RequireErrno(t, err, unix.EAGAIN, fmt.Sprintf("recv of a message not yet complete (got %q)", part))
			peer.Must(t, "ok", "send tail")
			if err := pull.SetRcvtimeo(sys.WakeBound()); err != nil {
				t.Fatalf("ZMQ_RCVTIMEO: %s", ErrName(err))
			}
			mustRecv(t, pull, "head more")
			mustRecv(t, pull, "body more")
			mustRecv(t, pull, "tail")
		})
	})
}

func moreWord(more bool) string {
	if more {
		return " more"
	}
	return ""
}
