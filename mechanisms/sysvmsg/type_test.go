package sysvmsg

import (
	"math"
	"slices"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// mixed is the queue every msgrcv-by-type case starts from, sent in this
// order by another process: types 3 1 2 1 3 2 5.
const mixed = "3:a,1:b,2:c,1:d,3:e,2:f,5:g"

// msgrcv picks a message by msgtyp (man 2 msgop): 0 takes the first
// message in the queue; > 0 the first of that type; < 0 the first of the
// lowest type not above |msgtyp| (ties in queue order); > 0 with
// MSG_EXCEPT the first not of that type. Each case, a subtest, drains a
// fresh copy of a mixed queue, sent by a peer, with IPC_NOWAIT until
// ENOMSG, and checks the exact order received and what is left.
func TestMsgrcvByType(t *testing.T) {
	sender := spawnMsg(t, proc.PeerSpec{})
	for _, c := range []struct {
		what          string
		msgtyp, flags int
		got, left     []string
	}{
		{"zero takes queue order", 0, 0,
			[]string{"3:a", "1:b", "2:c", "1:d", "3:e", "2:f", "5:g"}, nil},
		{"positive takes its type", 2, 0,
			[]string{"2:c", "2:f"}, []string{"3:a", "1:b", "1:d", "3:e", "5:g"}},
		{"positive absent type takes nothing", 4, 0,
			nil, []string{"3:a", "1:b", "2:c", "1:d", "3:e", "2:f", "5:g"}},
		{"negative takes lowest types up to 2", -2, 0,
			[]string{"1:b", "1:d", "2:c", "2:f"}, []string{"3:a", "3:e", "5:g"}},
		{"negative takes lowest types up to 3", -3, 0,
			[]string{"1:b", "1:d", "2:c", "2:f", "3:a", "3:e"}, []string{"5:g"}},
		{"except 1 takes other types", 1, MSG_EXCEPT,
			[]string{"3:a", "2:c", "3:e", "2:f", "5:g"}, []string{"1:b", "1:d"}},
		{"except 3 takes other types", 3, MSG_EXCEPT,
			[]string{"1:b", "2:c", "1:d", "2:f", "5:g"}, []string{"3:a", "3:e"}},
		{"except with zero takes queue order", 0, MSG_EXCEPT,
			[]string{"3:a", "1:b", "2:c", "1:d", "3:e", "2:f", "5:g"}, nil},
		// -LONG_MIN does not exist; the kernel reads it as LONG_MAX.
		{"negative LONG_MIN takes every type lowest first", math.MinInt64, 0,
			[]string{"1:b", "1:d", "2:c", "2:f", "3:a", "3:e", "5:g"}, nil},
	} {
		t.Run(c.what, func(t *testing.T) {
			id := mkQueue(t, 0o600)
			sender.Must(t, "ok", "sndseq %d %s", id, mixed)
			got := drain(t, id, c.msgtyp, c.flags)
			left := drain(t, id, 0, 0)
			if !slices.Equal(got, c.got) || !slices.Equal(left, c.left) {
				t.Errorf("msgtyp %d, flags %#x: received %q, leaving %q; want %q, leaving %q", c.msgtyp, c.flags, got, left, c.got, c.left)
			}
		})
	}
}

// A receiver asleep waiting for one type is not woken, and takes nothing,
// when messages of other types arrive; the first message of its type wakes
// it. The other messages stay queued in their order.
func TestBlockedReceiverWaitsForItsType(t *testing.T) {
	id := mkQueue(t, 0o600)
	recv := spawnMsg(t, proc.PeerSpec{})
	recv.Start(t, "rcv %d 16 2 0", id)
	recv.requireBlocked(t, rcvWait, "msgrcv of type 2 on an empty queue")
	mustSnd(t, id, 1, "one")
	mustSnd(t, id, 3, "three")
	recv.requireBlocked(t, rcvWait, "msgrcv of type 2 with types 1 and 3 queued")
	requireQueued(t, id, 2, 8, "types 1 and 3 sent to a type-2 receiver")
	mustSnd(t, id, 2, "two")
	recv.Expect(t, "2:two")
	if got, want := drain(t, id, 0, 0), []string{"1:one", "3:three"}; !slices.Equal(got, want) {
		t.Fatalf("left in the queue: %q, want %q", got, want)
	}
}

// A receiver asleep with msgtyp < 0 is woken by a message of a type up to
// |msgtyp| and not by a higher one.
func TestBlockedReceiverWithNegativeType(t *testing.T) {
	id := mkQueue(t, 0o600)
	recv := spawnMsg(t, proc.PeerSpec{})
	recv.Start(t, "rcv %d 16 -2 0", id)
	recv.requireBlocked(t, rcvWait, "msgrcv of msgtyp -2 on an empty queue")
	mustSnd(t, id, 3, "three")
	recv.requireBlocked(t, rcvWait, "msgrcv of msgtyp -2 with type 3 queued")
	mustSnd(t, id, 2, "two")
	recv.Expect(t, "2:two")
	mustRcv(t, id, 16, 0, 0, "3:three")
}
