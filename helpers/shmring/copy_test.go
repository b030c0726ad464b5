package shmring

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/unix"
)

// copyCached must carry every byte whatever the size, including sizes on
// and around the pieces it cuts a copy into and around the size from which
// amd64 copies with REP MOVSB.
func TestCopyCachedCopiesEveryByte(t *testing.T) {
	for _, n := range []int{0, 1, 2047, 2048, 2049, 65536 + 7, copyChunk - 1, copyChunk, copyChunk + 1, 3*copyChunk + 5} {
		t.Run(fmt.Sprintf("%d_bytes", n), func(t *testing.T) {
			src := make([]byte, n)
			for i := range src {
				src[i] = byte(rand.Uint32())
			}
			dst := make([]byte, n+1)
			dst[n] = 0xa5
			copyCached(dst, src)
			if !bytes.Equal(dst[:n], src) {
				t.Fatalf("the copy differs from its source")
			}
			if dst[n] != 0xa5 {
				t.Fatalf("the copy wrote past its length")
			}
		})
	}
}

// A message larger than a copy piece arrives whole through a ring: the
// producer's and the consumer's copies both cut it (one process and one
// mapping here: the layout, not the sharing, is under test).
func TestLargeMessageArrivesWhole(t *testing.T) {
	cfg := Config{Capacity: 2, MaxSize: 3*copyChunk + 100}
	mem, err := unix.Mmap(-1, 0, Size(cfg.Capacity, cfg.MaxSize), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	tx, err := New(mem, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rx, err := New(mem, cfg)
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, cfg.MaxSize)
	for i := range msg {
		msg[i] = byte(rand.Uint32())
	}
	if err := tx.Send(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if err := rx.Recv(got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("the message arrived changed")
	}
}
