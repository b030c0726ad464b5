package mmap

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A mapping holds its own reference to the file (seed 004: the mapping
// does not depend on the descriptor): after both processes close their
// descriptors and the file is unlinked, their shared mappings still share
// the same pages, both ways.
func TestMappingSurvivesCloseAndUnlink(t *testing.T) {
	path := newFile(t, "before", pageSize)
	fd := openFile(t, path, unix.O_RDWR)
	_, mem := mustMap(t, fd, pageSize, rw, unix.MAP_SHARED, 0)
	peer := spawnMapper(t)
	peer.Must(t, "ok", "open %s %d", path, unix.O_RDWR)
	peer.Must(t, "ok", "map 0 %d %d %d 0", pageSize, rw, unix.MAP_SHARED)

	peer.Must(t, "ok", "close 0")
	if err := sys.Close(fd); err != nil {
		t.Fatalf("close: %s", sys.ErrnoName(err))
	}
	if err := unix.Unlink(path); err != nil {
		t.Fatalf("unlink %s: %s", path, sys.ErrnoName(err))
	}
	var st unix.Stat_t
	sys.RequireErrno(t, unix.Stat(path, &st), unix.ENOENT, "stat of the unlinked file")

	peer.Must(t, "before", "read 0 0 6")
	peer.Must(t, "ok", "write 0 0 peer-after-unlink")
	if got := string(mem[:17]); got != "peer-after-unlink" {
		t.Fatalf("after close and unlink the test's mapping reads %q, want the peer's write", got)
	}
	copy(mem[100:], "test-after-unlink")
	peer.Must(t, "test-after-unlink", "read 0 100 17")
}

// munmap takes a page-aligned address: one byte into a mapping is EINVAL,
// and the mapping stays whole.
func TestMunmapOfUnalignedAddressIsEINVAL(t *testing.T) {
	path := newFile(t, "kept", 2*pageSize)
	addr, mem := mustMap(t, openFile(t, path, unix.O_RDWR), 2*pageSize, rw, unix.MAP_SHARED, 0)
	sys.RequireErrno(t, Unmap(addr+1, pageSize), unix.EINVAL, "munmap one byte into a mapping")
	if got := string(mem[:4]); got != "kept" {
		t.Fatalf("after the failed munmap the mapping reads %q, want %q", got, "kept")
	}
	mem[2*pageSize-1] = 'x' // the last page is mapped too, or this faults
}

// After munmap the range is gone: touching it kills the process with
// SIGSEGV and SEGV_MAPERR (seen in the peer's wait status and siginfo),
// though the file is still open and mapped by another process. The peer
// unmaps the middle page of three, so that the hole is one page between
// mapped ones: the Go runtime's own mappings, which could land in a larger
// hole before the touch, never fit in it.
func TestTouchAfterMunmapKillsWithSIGSEGV(t *testing.T) {
	path := newFile(t, "original", 3*pageSize)
	mustMap(t, openFile(t, path, unix.O_RDWR), 3*pageSize, rw, unix.MAP_SHARED, 0)
	peer := spawnMapper(t)
	peer.Must(t, "ok", "open %s %d", path, unix.O_RDWR)
	peer.Must(t, "ok", "map 0 %d %d %d 0", 3*pageSize, rw, unix.MAP_SHARED)
	peer.Must(t, "original", "read 0 0 8")
	peer.Must(t, "ok", "unmap 0 %d %d", pageSize, pageSize)
	requireFault(t, peer, 0, pageSize, unix.SIGSEGV, segvMapErr)
}

// MAP_FIXED_NOREPLACE (Linux 4.17) maps at exactly the address asked, and
// refuses with EEXIST a range that overlaps an existing mapping, which it
// leaves as it was (MAP_FIXED would replace it). Older kernels ignore the
// flag as unknown and take the address as a hint: the test then skips.
func TestMapFixedNoreplaceRefusesOccupiedRangeWithEEXIST(t *testing.T) {
	path := newFile(t, "first", 2*pageSize)
	fd := openFile(t, path, unix.O_RDWR)
	addr, mem := mustMap(t, fd, 2*pageSize, rw, unix.MAP_SHARED, 0)
	copy(mem[pageSize:], "second")

	got, err := Map(addr+uintptr(pageSize), pageSize, rw, unix.MAP_SHARED|unix.MAP_FIXED_NOREPLACE, fd, 0)
	if err == nil {
		Unmap(got, pageSize)
		if got != addr+uintptr(pageSize) && !sys.KernelAtLeast("4.17") {
			t.Skipf("MAP_FIXED_NOREPLACE needs Linux 4.17 or later: running %s, which mapped elsewhere (%#x, not %#x)", sys.KernelRelease(), got, addr+uintptr(pageSize))
		}
	}
	sys.RequireErrno(t, err, unix.EEXIST, "MAP_FIXED_NOREPLACE over the second page of a mapping")
	if got := string(mem[pageSize : pageSize+6]); got != "second" {
		t.Fatalf("after the refused MAP_FIXED_NOREPLACE the second page reads %q, want %q", got, "second")
	}
}

// MAP_SHARED_VALIDATE (Linux 4.15) is MAP_SHARED that refuses flags it
// does not know with EOPNOTSUPP, where MAP_SHARED ignores them; MAP_SYNC,
// which only DAX files support, is refused on any other file. Before 4.15
// its value reads as MAP_SHARED|MAP_PRIVATE, which is EINVAL.
func TestMapSharedValidateRefusesUnknownFlagsWithEOPNOTSUPP(t *testing.T) {
	path := newFile(t, "", pageSize)
	fd := openFile(t, path, unix.O_RDWR)
	addr, err := Map(0, pageSize, rw, unix.MAP_SHARED_VALIDATE, fd, 0)
	sys.RequireFeature(t, "4.15", "MAP_SHARED_VALIDATE", err, unix.EINVAL)
	Unmap(addr, pageSize)

	const undefinedFlag = 0x200000 // no MAP_* flag has this bit
	t.Run("an_undefined_flag", func(t *testing.T) {
		mustMap(t, fd, pageSize, rw, unix.MAP_SHARED|undefinedFlag, 0) // the control: MAP_SHARED ignores it
		addr, err := Map(0, pageSize, rw, unix.MAP_SHARED_VALIDATE|undefinedFlag, fd, 0)
		if err == nil {
			Unmap(addr, pageSize)
		}
		sys.RequireErrno(t, err, unix.EOPNOTSUPP, "MAP_SHARED_VALIDATE with an undefined flag")
	})
	t.Run("MAP_SYNC_on_a_file_without_DAX", func(t *testing.T) {
		addr, err := Map(0, pageSize, rw, unix.MAP_SHARED_VALIDATE|unix.MAP_SYNC, fd, 0)
		if err == nil {
			Unmap(addr, pageSize)
		}
		sys.RequireErrno(t, err, unix.EOPNOTSUPP, "MAP_SHARED_VALIDATE|MAP_SYNC on a file in the run directory")
	})
}
