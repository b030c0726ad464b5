package sysvmsg

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Numbered messages for the many-process test: the text is the sender's
// index and the sequence number (4 bytes each), then seq%57 bytes that
// both determine, so that a message is checked whole; the type is
// 1+sender. stopType tells a receiver to finish.
const stopType = 100

func numbered(buf []byte, sender, seq int) []byte {
	SetType(buf, 1+sender)
	text := buf[HeaderLen:]
	binary.LittleEndian.PutUint32(text, uint32(sender))
	binary.LittleEndian.PutUint32(text[4:], uint32(seq))
	n := seq % 57
	for i := range n {
		text[8+i] = byte(sender*31 + seq + i)
	}
	return buf[:HeaderLen+8+n]
}

// Several sender and receiver processes on one queue at once: 3 senders
// of 2000 numbered messages each and 2 receivers. Every (sender, seq) is received
// exactly once, whole, and each receiver gets each sender's messages in
// the order sent: a queue never loses, duplicates or reorders a message.
func TestManySendersAndReceivers(t *testing.T) {
	const senders, receivers, count = 3, 2, 2000
	id := mkQueue(t, 0o600)
	dir := proc.Dir(t)
	var recvs, sends []*proc.Peer
	for r := range receivers {
		path := filepath.Join(dir, "received."+strconv.Itoa(r))
		p := proc.Spawn(t, "msg-receiver", proc.PeerSpec{Args: []string{strconv.Itoa(id), path}})
		p.Expect(t, "ready")
		recvs = append(recvs, p)
	}
	for s := range senders {
		p := proc.Spawn(t, "msg-sender", proc.PeerSpec{Args: []string{strconv.Itoa(id), strconv.Itoa(s), strconv.Itoa(count)}})
		p.Expect(t, "ready")
		sends = append(sends, p)
	}
	for _, p := range sends {
		p.Send(t, "go")
	}
	for _, p := range sends {
		p.RequireExit(t, 0)
	}
	// Every message is queued or taken by now; the stops come after them.
	for range receivers {
		if err := Snd(id, stopType, nil, 0); err != nil {
			t.Fatalf("send stop: %s", sys.ErrnoName(err))
		}
	}
	seen := make([][]int, senders)
	for s := range seen {
		seen[s] = make([]int, count)
	}
	for r, p := range recvs {
		p.RequireExit(t, 0)
		data, err := os.ReadFile(filepath.Join(dir, "received."+strconv.Itoa(r)))
		if err != nil {
			t.Fatal(err)
		}
		last := make([]int, senders)
		for i := range last {
			last[i] = -1
		}
		for i := 0; i+8 <= len(data); i += 8 {
			s, seq := int(binary.LittleEndian.Uint32(data[i:])), int(binary.LittleEndian.Uint32(data[i+4:]))
			if s >= senders || seq >= count {
				t.Fatalf("receiver %d got sender %d's message %d, which nobody sent", r, s, seq)
			}
			if seq <= last[s] {
				t.Fatalf("receiver %d got sender %d's message %d after its message %d", r, s, seq, last[s])
			}
			last[s] = seq
			seen[s][seq]++
		}
		t.Logf("receiver %d took %d messages", r, len(data)/8)
	}
	for s := range seen {
		for seq, n := range seen[s] {
			if n != 1 {
				t.Fatalf("sender %d's message %d received %d times", s, seq, n)
			}
		}
	}
	requireQueued(t, id, 0, 0, "after the receivers finished")
}
