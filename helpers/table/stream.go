package table

import (
	"flag"
	"fmt"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

var streamSizesFlag = flag.String("ipc.streamsizes", "64,100,1024,65536,1048576",
	"message sizes in bytes of the streaming benchmarks, comma-separated")

// StreamSizes returns the message sizes of the streaming benchmarks.
func StreamSizes() []int { return parseSizes("-ipc.streamsizes", *streamSizesFlag) }

// Streams measures one-way streaming over every transport that streams
// (StreamMax set), in every placement it runs in, at every stream size,
// each beside the memcpy floor of the same size and, when crefDir (the
// C references' sources, testdata/cref) is given and a C compiler is
// installed, beside the same ring in C ("c-shmring"). Names are keyed so that
//
//	go tool benchstat -row /mech -col /size -filter .unit:B/s
//
// prints bandwidth by mechanism and size, memcpy among them.
func Streams(b *testing.B, crefDir string) {
	c := newCStream(crefDir, b.TempDir())
	for _, size := range StreamSizes() {
		b.Run(fmt.Sprintf("mech=memcpy/size=%d", size), func(b *testing.B) { benchMemcpy(b, size) })
		if crefDir != "" {
			for _, place := range Placements() {
				name := fmt.Sprintf("mech=%s/place=%s/size=%d", "c-shmring", place.Name, size)
				b.Run(name, func(b *testing.B) { c.run(b, place, size) })
			}
		}
		for _, tr := range Transports() {
			if tr.StreamMax == 0 {
				continue
			}
			for _, place := range Placements() {
				name := fmt.Sprintf("mech=%s/place=%s/size=%d", tr.Name, place.Name, size)
				b.Run(name, func(b *testing.B) { Stream(b, tr, size, place) })
			}
		}
	}
}

// syncMark, in a streamed message's first byte, asks the sink to answer
// it: the last message of a timed run, so that the time covers every
// message's arrival. Other messages start with 0.
const syncMark = 1

// Stream measures messages of size bytes sent one way, as fast as the
// transport takes them, from the benchmark process to a peer that only
// receives. One op is one message; the time ends when the peer has
// received the last one. The peer starts once per b.N, outside the timed
// region.
func Stream(b *testing.B, tr Transport, size int, place Placement) {
	if size > tr.StreamMax {
		b.Skipf("%s streams at most %d bytes", tr.Name, tr.StreamMax)
	}
	if tr.Spins && place.Self == place.Peer {
		b.Skipf("%s spins: two spinners on one CPU starve each other", tr.Name)
	}
	ep, peer := startEcho(b, tr, &place.Peer, modeSink, size, 0)
	unpin, err := sys.Pin(place.Self)
	if err != nil {
		b.Fatalf("pin to cpu %d: %v", place.Self, err)
	}
	defer unpin()
	sys.SetRawIO(true)
	defer sys.SetRawIO(false)
	msg := make([]byte, size)
	send := func() {
		if err := ep.Send(msg); err != nil {
			b.Fatalf("send: %s", sys.ErrnoName(err))
		}
	}
	drained := func() {
		msg[0] = syncMark
		send()
		if err := ep.Recv(msg); err != nil {
			b.Fatalf("recv the sink's answer: %s", sys.ErrnoName(err))
		}
		msg[0] = 0
	}
	for range 100 {
		send()
	}
	drained()
	cpu := StartCPUClock(peer.Pid)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N - 1 {
		send()
	}
	drained()
	b.StopTimer()
	ReportRate(b, cpu)
}
