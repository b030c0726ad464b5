package mmap

import (
	"fmt"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The file offset of a mapping must be a multiple of the page size; any
// other is EINVAL, for shared and private mappings alike.
func TestOffsetNotAPageMultipleIsEINVAL(t *testing.T) {
	path := newFile(t, "", 2*pageSize)
	fd := openFile(t, path, unix.O_RDWR)
	offsets := []struct {
		name  string
		value int64
	}{{"one_byte", 1}, {"half_a_page", int64(pageSize / 2)}, {"a_page_and_a_byte", int64(pageSize + 1)}}
	for _, off := range offsets {
		for _, flags := range []struct {
			name  string
			value int
		}{{"MAP_SHARED", unix.MAP_SHARED}, {"MAP_PRIVATE", unix.MAP_PRIVATE}} {
			t.Run(flags.name+"_at_"+off.name, func(t *testing.T) {
				addr, err := Map(0, pageSize, rw, flags.value, fd, off.value)
				if err == nil {
					Unmap(addr, pageSize)
				}
				sys.RequireErrno(t, err, unix.EINVAL, fmt.Sprintf("mmap at offset %d", off.value))
			})
		}
	}
	// The control: a page-multiple offset maps.
	mustMap(t, fd, pageSize, rw, unix.MAP_SHARED, int64(pageSize))
}

// A shared mapping's rights may not exceed the file's (seed 004): asking
// PROT_WRITE with MAP_SHARED on a descriptor opened read-only is EACCES,
// for root too, since the check is on the open file, not on permissions.
func TestSharedWritableMappingOfReadOnlyFdIsEACCES(t *testing.T) {
	path := newFile(t, "original", pageSize)
	fd := openFile(t, path, unix.O_RDONLY)
	addr, err := Map(0, pageSize, rw, unix.MAP_SHARED, fd, 0)
	if err == nil {
		Unmap(addr, pageSize)
	}
	sys.RequireErrno(t, err, unix.EACCES, "mmap(PROT_READ|PROT_WRITE, MAP_SHARED) of an O_RDONLY fd")
	// The control: the same fd maps shared for reading.
	_, mem := mustMap(t, fd, pageSize, ro, unix.MAP_SHARED, 0)
	if got := string(mem[:8]); got != "original" {
		t.Fatalf("read-only shared mapping reads %q, want %q", got, "original")
	}
}

// A private mapping's writes never reach the file, so PROT_WRITE with
// MAP_PRIVATE on a read-only descriptor is allowed (seed 004: reading is
// all a private mapping needs); the write stays in the process and the
// file, read by another process's mapping, keeps its bytes.
func TestPrivateWritableMappingOfReadOnlyFdWorks(t *testing.T) {
	path := newFile(t, "original", pageSize)
	_, mem := mustMap(t, openFile(t, path, unix.O_RDONLY), pageSize, rw, unix.MAP_PRIVATE, 0)
	copy(mem, "private!")
	if got := string(mem[:8]); got != "private!" {
		t.Fatalf("the private mapping reads %q after the write, want %q", got, "private!")
	}
	peer := spawnMapper(t)
	peer.Must(t, "ok", "open %s %d", path, unix.O_RDONLY)
	peer.Must(t, "ok", "map 0 %d %d %d 0", pageSize, ro, unix.MAP_SHARED)
	peer.Must(t, "original", "read 0 0 8")
}

// Writing to a PROT_READ mapping kills the writer with SIGSEGV (seen in
// its wait status; the peer leaves SIGSEGV to the kernel, since Go would
// turn it into a panic), for a file opened read-write too: the protection
// is the mapping's. The file keeps its bytes.
func TestWriteToReadOnlyMappingKillsWithSIGSEGV(t *testing.T) {
	path := newFile(t, "original", pageSize)
	peer := spawnMapper(t)
	peer.Must(t, "ok", "open %s %d", path, unix.O_RDWR)
	peer.Must(t, "ok", "map 0 %d %d %d 0", pageSize, ro, unix.MAP_SHARED)
	peer.Must(t, "original", "read 0 0 8")
	peer.Must(t, "ok", "segv-default")
	peer.Send(t, "scribble 0 0 scribble") // a peer that survives the write exits 0
	peer.RequireSignal(t, syscall.SIGSEGV)
	if got := fileBytes(t, path, 0, 8); got != "original" {
		t.Fatalf("after the failed write the file holds %q, want %q", got, "original")
	}
}
