package posixmq

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// A receiver takes the oldest message of the highest priority queued:
// messages from two sender processes, interleaved at two priorities, come
// out highest priority first and in sending order within one priority
// (man 3 mq_receive). A queue that ignored priority, or ordered one
// priority by sender or last in first out, fails.
func TestPriorityOrder(t *testing.T) {
	q := mkQueue(t, 0, 10, 16)
	a, b := spawnMq(t, proc.PeerSpec{}), spawnMq(t, proc.PeerSpec{})
	afd, bfd := a.open(t, q.name, unix.O_WRONLY), b.open(t, q.name, unix.O_WRONLY)
	a.Must(t, "ok", "snd %d 1:a1,5:a2", afd)
	b.Must(t, "ok", "snd %d 5:b1,1:b2,9:b3", bfd)
	a.Must(t, "ok", "snd %d 5:a3,0:a4,1:a5", afd)

	recv := spawnMq(t, proc.PeerSpec{})
	rfd := recv.open(t, q.name, unix.O_RDONLY|unix.O_NONBLOCK)
	for _, want := range []string{"9:b3", "5:a2", "5:b1", "5:a3", "1:a1", "1:b2", "1:a5", "0:a4", "EAGAIN"} {
		recv.Must(t, want, "rcv %d 16", rfd)
	}
}
