package mmap

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Two processes with MAP_SHARED mappings of one file share its pages: what
// one writes through its mapping the other reads through its own, with no
// call in between, and read(2) of the file sees it, since the mapping is
// the file's page cache.
func TestSharedMappingWriteIsSeenByAnotherProcessAndReachesTheFile(t *testing.T) {
	path := newFile(t, "", pageSize)
	_, mem := mustMap(t, openFile(t, path, unix.O_RDWR), pageSize, rw, unix.MAP_SHARED, 0)
	peer := spawnMapper(t)
	peer.Must(t, "ok", "open %s %d", path, unix.O_RDWR)
	peer.Must(t, "ok", "map 0 %d %d %d 0", pageSize, rw, unix.MAP_SHARED)

	const fromPeer = "written-by-the-peer"
	peer.Must(t, "ok", "write 0 100 "+fromPeer)
	if got := string(mem[100 : 100+len(fromPeer)]); got != fromPeer {
		t.Fatalf("the test's shared mapping reads %q at offset 100, want the peer's write", got)
	}
	if got := fileBytes(t, path, 100, len(fromPeer)); got != fromPeer {
		t.Fatalf("read(2) of the file at offset 100 gives %q, want the peer's write", got)
	}
	copy(mem[2000:], "written-by-the-test")
	peer.Must(t, "written-by-the-test", "read 0 2000 19")
}

// A MAP_PRIVATE mapping is copy-on-write: a process's write through it is
// its own. The process reads its write back, while another process's
// shared mapping and the file keep the old bytes, also after msync, which
// writes only shared pages to the file.
func TestPrivateMappingIsCopyOnWrite(t *testing.T) {
	path := newFile(t, "original", pageSize)
	_, mem := mustMap(t, openFile(t, path, unix.O_RDWR), pageSize, rw, unix.MAP_SHARED, 0)
	peer := spawnMapper(t)
	peer.Must(t, "ok", "open %s %d", path, unix.O_RDWR)
	peer.Must(t, "ok", "map 0 %d %d %d 0", pageSize, rw, unix.MAP_PRIVATE)
	peer.Must(t, "original", "read 0 0 8")

	peer.Must(t, "ok", "write 0 0 private!")
	peer.Must(t, "private!", "read 0 0 8")
	peer.Must(t, "ok", "msync 0 %d", unix.MS_SYNC)
	if got := string(mem[:8]); got != "original" {
		t.Fatalf("after the peer's private write the test's shared mapping reads %q, want %q", got, "original")
	}
	if got := fileBytes(t, path, 0, 8); got != "original" {
		t.Fatalf("after the peer's private write and msync read(2) gives %q, want %q", got, "original")
	}
}

// The other direction: a private mapping in the test process, written,
// is invisible to a peer's shared mapping of the same file.
func TestPrivateWriteIsInvisibleToAnotherProcess(t *testing.T) {
	path := newFile(t, "original", pageSize)
	_, mem := mustMap(t, openFile(t, path, unix.O_RDWR), pageSize, rw, unix.MAP_PRIVATE, 0)
	peer := spawnMapper(t)
	peer.Must(t, "ok", "open %s %d", path, unix.O_RDWR)
	peer.Must(t, "ok", "map 0 %d %d %d 0", pageSize, rw, unix.MAP_SHARED)
	copy(mem, "private!")
	peer.Must(t, "original", "read 0 0 8")
	if got := fileBytes(t, path, 0, 8); got != "original" {
		t.Fatalf("after a private write read(2) gives %q, want %q", got, "original")
	}
}
