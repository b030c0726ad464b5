package posixshm

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Two processes with MAP_SHARED mappings of one shm object or memfd share
// its pages: what one writes the other reads through its own mapping with
// no call in between, and read(2) of the object sees it in either
// process, since the mappings are the object's pages.
func TestSharedWriteIsSeenByAnotherProcessAndByRead(t *testing.T) {
	eachObject(t, func(t *testing.T, fd int, peer shmPeer) {
		mem := mustMap(t, fd, pageSize, rw, unix.MAP_SHARED)
		peer.Must(t, "ok", "map 0 %d %d %d", pageSize, rw, unix.MAP_SHARED)

		const fromPeer = "written-by-the-peer"
		peer.Must(t, "ok", "write 0 100 "+fromPeer)
		if got := string(mem[100 : 100+len(fromPeer)]); got != fromPeer {
			t.Fatalf("the test's shared mapping reads %q at offset 100, want the peer's write", got)
		}
		if got := pread(t, fd, 100, len(fromPeer)); got != fromPeer {
			t.Fatalf("read(2) of the object at offset 100 gives %q, want the peer's write", got)
		}
		const fromTest = "written-by-the-test"
		copy(mem[2000:], fromTest)
		peer.Must(t, fromTest, "read 0 2000 %d", len(fromTest))
		peer.Must(t, fromTest, "pread 0 2000 %d", len(fromTest))
	})
}

// A MAP_PRIVATE mapping of a shm object or memfd is copy-on-write: a
// process's write through it stays its own. The writer reads it back,
// while the other process's shared mapping and read(2) of the object keep
// the old bytes, in both directions.
func TestPrivateMappingIsCopyOnWrite(t *testing.T) {
	eachObject(t, func(t *testing.T, fd int, peer shmPeer) {
		mustPwrite(t, fd, "original", 0)
		shared := mustMap(t, fd, pageSize, rw, unix.MAP_SHARED)
		private := mustMap(t, fd, pageSize, rw, unix.MAP_PRIVATE)
		peer.Must(t, "ok", "map 0 %d %d %d", pageSize, rw, unix.MAP_PRIVATE)
		peer.Must(t, "ok", "map 0 %d %d %d", pageSize, rw, unix.MAP_SHARED)
		peer.Must(t, "original", "read 0 0 8")

		peer.Must(t, "ok", "write 0 0 peer-cow")
		peer.Must(t, "peer-cow", "read 0 0 8")
		if got := string(shared[:8]); got != "original" {
			t.Fatalf("after the peer's private write the test's shared mapping reads %q, want %q", got, "original")
		}
		if got := pread(t, fd, 0, 8); got != "original" {
			t.Fatalf("after the peer's private write read(2) of the object gives %q, want %q", got, "original")
		}

		copy(private, "test-cow")
		peer.Must(t, "original", "read 1 0 8")
		peer.Must(t, "original", "pread 0 0 8")
		if got := string(private[:8]); got != "test-cow" {
			t.Fatalf("the test's private mapping reads %q after its write, want %q", got, "test-cow")
		}
	})
}
