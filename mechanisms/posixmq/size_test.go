package posixmq

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Message sizes are bounded by the queue's mq_msgsize on both sides (man 3
// mq_send, mq_receive): a receive buffer shorter than mq_msgsize is
// EMSGSIZE even when the waiting message would fit, and a message longer
// than mq_msgsize is EMSGSIZE; mq_msgsize bytes exactly pass.
func TestMessageSizes(t *testing.T) {
	const msgsize = 64
	q := mkQueue(t, unix.O_NONBLOCK, 4, msgsize)
	peer := spawnMq(t, proc.PeerSpec{})
	pfd := peer.open(t, q.name, unix.O_RDWR|unix.O_NONBLOCK)

	t.Run("receive_buffer_below_msgsize_EMSGSIZE", func(t *testing.T) {
		peer.Must(t, "ok", "snd %d 2:short", pfd)
		_, _, err := Receive(q.fd, make([]byte, msgsize-1))
		sys.RequireErrno(t, err, unix.EMSGSIZE, "mq_receive with a buffer one byte below mq_msgsize")
		mustReceive(t, q.fd, msgsize, "2:short") // still queued
	})
	t.Run("send_above_msgsize_EMSGSIZE", func(t *testing.T) {
		err := Send(q.fd, bytes.Repeat([]byte{'x'}, msgsize+1), 1)
		sys.RequireErrno(t, err, unix.EMSGSIZE, "mq_send of mq_msgsize+1 bytes")
		peer.Must(t, "EAGAIN", "rcv %d %d", pfd, msgsize)
	})
	t.Run("msgsize_exactly_passes", func(t *testing.T) {
		whole := string(bytes.Repeat([]byte{'y'}, msgsize))
		mustSend(t, q.fd, whole, 1)
		peer.Must(t, "1:"+whole, "rcv %d %d", pfd, msgsize)
	})
}
