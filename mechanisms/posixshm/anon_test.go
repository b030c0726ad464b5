package posixshm

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Shared anonymous memory has no name: exec drops every mapping, so a
// peer (which the test starts by fork and exec) has nothing of the test's
// MAP_SHARED|MAP_ANONYMOUS mapping, whose shmem inode appears nowhere in
// the peer's /proc/PID/maps. The same memory kind made as a memfd and
// passed as an fd does reach it: the peer maps the inode and reads the
// data. The test's own maps and the memfd are the controls that the
// comparison finds a shared mapping's inode where there is one.
func TestSharedAnonymousMemoryReachesAnotherProcessOnlyAsAnFd(t *testing.T) {
	anon, err := unix.Mmap(-1, 0, pageSize, rw, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatalf("mmap(MAP_SHARED|MAP_ANONYMOUS): %s", sys.ErrnoName(err))
	}
	t.Cleanup(func() { unix.Munmap(anon) })
	copy(anon, "anonymous")
	anonInode := mappedInode(t, "self", uintptr(unsafe.Pointer(&anon[0])))
	if !sharedInodes(t, "self")[anonInode] {
		t.Fatalf("the test's own maps do not list its shared anonymous mapping (%s) as shared", anonInode)
	}

	fd := newMemfd(t, 0, pageSize)
	mustPwrite(t, fd, "memfd-data", 0)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatalf("fstat of the memfd: %s", sys.ErrnoName(err))
	}
	memfdInode := fmt.Sprintf("%02x:%02x %d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)

	peer := spawnShm(t, proc.PeerSpec{}, fd)
	peer.Must(t, "ok", "map 0 %d %d %d", pageSize, rw, unix.MAP_SHARED)
	peer.Must(t, "memfd-data", "read 0 0 10")
	inodes := sharedInodes(t, fmt.Sprint(peer.Pid))
	if !inodes[memfdInode] {
		t.Fatalf("the peer's maps lack the memfd it mapped (%s); it has %v", memfdInode, inodes)
	}
	if inodes[anonInode] {
		t.Fatalf("the peer's maps hold the test's shared anonymous mapping (%s) after exec", anonInode)
	}
}

// mappedInode returns "dev inode" of the mapping that starts at addr in
// /proc/PID/maps, for pid "self" or a number.
func mappedInode(t *testing.T, pid string, addr uintptr) string {
	t.Helper()
	start := fmt.Sprintf("%x-", addr)
	for _, f := range mapsLines(t, pid) {
		if strings.HasPrefix(f[0], start) {
			if f[4] == "0" {
				t.Fatalf("the mapping at %#x has no inode in /proc/%s/maps: %q", addr, pid, f)
			}
			return f[3] + " " + f[4]
		}
	}
	t.Fatalf("no mapping at %#x in /proc/%s/maps", addr, pid)
	return ""
}

// sharedInodes returns the "dev inode" of every shared mapping ('s' in
// its permissions) in /proc/PID/maps.
func sharedInodes(t *testing.T, pid string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, f := range mapsLines(t, pid) {
		if strings.HasSuffix(f[1], "s") {
			out[f[3]+" "+f[4]] = true
		}
	}
	return out
}

// mapsLines returns the fields of each line of /proc/PID/maps: range,
// permissions, offset, device, inode and, if any, path.
func mapsLines(t *testing.T, pid string) [][]string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + pid + "/maps")
	if err != nil {
		t.Fatalf("read maps: %v", err)
	}
	var out [][]string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if f := strings.Fields(line); len(f) >= 5 {
			out = append(out, f)
		}
	}
	return out
}
