package mmap

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// msync(MS_SYNC) writes a shared mapping's dirty pages to the file's
// storage and waits: the page dirtied through the mapping is clean when it
// returns (smaps counts it neither Shared_Dirty nor Private_Dirty). A
// kernel whose msync did nothing would leave it dirty. Files in memory
// (tmpfs, ramfs) have no storage to write to, so the test skips there.
func TestMsyncSyncWritesTheMappingToTheFile(t *testing.T) {
	path := newFile(t, "", pageSize)
	var fs unix.Statfs_t
	if err := unix.Statfs(path, &fs); err != nil {
		t.Fatalf("statfs %s: %s", path, sys.ErrnoName(err))
	}
	if fs.Type == unix.TMPFS_MAGIC || fs.Type == unix.RAMFS_MAGIC {
		t.Skipf("the run directory %s is on a filesystem in memory (f_type %#x): there is no storage for msync to write to", path, fs.Type)
	}
	addr, mem := mustMap(t, openFile(t, path, unix.O_RDWR), pageSize, rw, unix.MAP_SHARED, 0)
	// The kernel's flusher may write the page back on its own first (under
	// dirty-memory pressure from elsewhere): write again until it is dirty.
	for try := 0; ; try++ {
		copy(mem, "synced-"+strconv.Itoa(try))
		if dirtyKB(t, addr) > 0 {
			break
		}
		if try == 3 {
			t.Fatalf("the page written through the shared mapping never counts as dirty in smaps")
		}
	}
	if err := Sync(addr, pageSize, unix.MS_SYNC); err != nil {
		t.Fatalf("msync(MS_SYNC): %s", sys.ErrnoName(err))
	}
	if kb := dirtyKB(t, addr); kb != 0 {
		t.Fatalf("after msync(MS_SYNC) smaps counts %d kB of the mapping dirty, want 0", kb)
	}
	if got := fileBytes(t, path, 0, 7); got != "synced-" {
		t.Fatalf("after msync read(2) gives %q, want %q", got, "synced-")
	}
}

// dirtyKB is Shared_Dirty plus Private_Dirty of the test process's
// mapping at addr, from /proc/self/smaps.
func dirtyKB(t *testing.T, addr uintptr) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatalf("smaps: %v", err)
	}
	defer f.Close()
	start := fmt.Sprintf("%x-", addr)
	in, found, kb := false, false, 0
	scan := bufio.NewScanner(f)
	for scan.Scan() {
		fields := strings.Fields(scan.Text())
		if len(fields) == 0 {
			continue
		}
		if !strings.HasSuffix(fields[0], ":") { // a mapping's header line
			in = strings.HasPrefix(fields[0], start)
			found = found || in
			continue
		}
		if in && (fields[0] == "Shared_Dirty:" || fields[0] == "Private_Dirty:") && len(fields) > 1 {
			n, err := strconv.Atoi(fields[1])
			if err != nil {
				t.Fatalf("smaps line %q: %v", scan.Text(), err)
			}
			kb += n
		}
	}
	if !found {
		t.Fatalf("no mapping at %#x in /proc/self/smaps", addr)
	}
	return kb
}

// mincore reports which pages of a file mapping are in the page cache,
// the file's, not the process's: a page another process faulted in is
// resident in the test's mapping, which never touched it, and the pages
// nobody touched are not. The peer's MADV_RANDOM turns off readahead,
// which would otherwise bring in the neighbours of its page.
func TestMincoreReportsPagesResidentThroughAnotherProcess(t *testing.T) {
	const pages = 4
	const touched = 2
	path := newFile(t, "", pages*pageSize) // a hole: no page in the cache yet
	addr, _ := mustMap(t, openFile(t, path, unix.O_RDWR), pages*pageSize, ro, unix.MAP_SHARED, 0)
	requireResident(t, addr, pages, "before any process touched the file", nil)

	peer := spawnMapper(t)
	peer.Must(t, "ok", "open %s %d", path, unix.O_RDWR)
	peer.Must(t, "ok", "map 0 %d %d %d 0", pages*pageSize, rw, unix.MAP_SHARED)
	peer.Must(t, "ok", "advise 0 %d", unix.MADV_RANDOM)
	peer.Must(t, "ok", "write 0 %d touched", touched*pageSize)
	requireResident(t, addr, pages, "after the peer wrote to one page", []int{touched})
}

func requireResident(t *testing.T, addr uintptr, pages int, when string, want []int) {
	t.Helper()
	vec, err := Resident(addr, pages*pageSize)
	if err != nil {
		t.Fatalf("mincore: %s", sys.ErrnoName(err))
	}
	var got []int
	for i, b := range vec {
		if b&1 != 0 {
			got = append(got, i)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: mincore reports pages %v of %d resident, want %v", when, got, pages, want)
	}
}

// MADV_DONTNEED on a shared file mapping drops only the process's page
// table entries: the data lives in the file's pages, and the next access
// reads back what was written.
func TestDontneedOnSharedMappingKeepsTheData(t *testing.T) {
	path := newFile(t, "", pageSize)
	addr, mem := mustMap(t, openFile(t, path, unix.O_RDWR), pageSize, rw, unix.MAP_SHARED, 0)
	copy(mem, "kept")
	if err := Advise(addr, pageSize, unix.MADV_DONTNEED); err != nil {
		t.Fatalf("madvise(MADV_DONTNEED): %s", sys.ErrnoName(err))
	}
	if got := string(mem[:4]); got != "kept" {
		t.Fatalf("after MADV_DONTNEED the shared mapping reads %q, want %q", got, "kept")
	}
}

// MADV_DONTNEED on a private file mapping throws away the private copy:
// the next access reads the file as it is now, including what another
// process wrote to it while the copy hid it.
func TestDontneedOnPrivateMappingDropsThePrivateCopy(t *testing.T) {
	path := newFile(t, "original", pageSize)
	addr, mem := mustMap(t, openFile(t, path, unix.O_RDWR), pageSize, rw, unix.MAP_PRIVATE, 0)
	copy(mem, "private!")
	peer := spawnMapper(t)
	peer.Must(t, "ok", "open %s %d", path, unix.O_RDWR)
	peer.Must(t, "ok", "map 0 %d %d %d 0", pageSize, rw, unix.MAP_SHARED)
	peer.Must(t, "ok", "write 0 0 updated!")
	if got := string(mem[:8]); got != "private!" {
		t.Fatalf("before MADV_DONTNEED the private mapping reads %q, want its own copy %q", got, "private!")
	}
	if err := Advise(addr, pageSize, unix.MADV_DONTNEED); err != nil {
		t.Fatalf("madvise(MADV_DONTNEED): %s", sys.ErrnoName(err))
	}
	if got := string(mem[:8]); got != "updated!" {
		t.Fatalf("after MADV_DONTNEED the private mapping reads %q, want the file's %q", got, "updated!")
	}
}
