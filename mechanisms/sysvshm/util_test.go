package sysvshm

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

var pageSize = os.Getpagesize()

// newSegment makes a private segment of size bytes with mode, removed
// when the test ends (a test that removed it itself makes that EINVAL).
func newSegment(t *testing.T, size, mode int) int {
	t.Helper()
	return newKeyedSegment(t, unix.IPC_PRIVATE, size, mode)
}

func newKeyedSegment(t *testing.T, key, size, mode int) int {
	t.Helper()
	id, err := Get(key, uint64(size), unix.IPC_CREAT|unix.IPC_EXCL|mode)
	if err != nil {
		t.Fatalf("shmget(%#x, %d, IPC_CREAT|IPC_EXCL|%#o): %s", key, size, mode, sys.ErrnoName(err))
	}
	t.Cleanup(func() { removeLater(t, id) })
	return id
}

func removeLater(t *testing.T, id int) {
	if err := Remove(id); err != nil && err != unix.EINVAL && err != unix.EIDRM {
		t.Errorf("remove segment %d: %s", id, sys.ErrnoName(err))
	}
}

// mustAttach attaches id in the test process with flags and returns n bytes
// of it; the test detaches it at cleanup unless it did so itself.
func mustAttach(t *testing.T, id, flags, n int) (uintptr, []byte) {
	t.Helper()
	addr, err := Attach(id, 0, flags)
	if err != nil {
		t.Fatalf("shmat(%d, flags %#o): %s", id, flags, sys.ErrnoName(err))
	}
	t.Cleanup(func() { Detach(addr) })
	return addr, Bytes(addr, n)
}

func detach(t *testing.T, addr uintptr) {
	t.Helper()
	if err := Detach(addr); err != nil {
		t.Fatalf("shmdt(%#x): %s", addr, sys.ErrnoName(err))
	}
}

func stat(t *testing.T, id int) ShmidDS {
	t.Helper()
	ds, err := Stat(id)
	if err != nil {
		t.Fatalf("shmctl(%d, IPC_STAT): %s", id, sys.ErrnoName(err))
	}
	return ds
}

func requireNattch(t *testing.T, id int, want uint64, why string) {
	t.Helper()
	if got := stat(t, id).Nattch; got != want {
		t.Fatalf("%s: shm_nattch = %d, want %d", why, got, want)
	}
}

// mappingLen returns the length of the mapping of this process that
// starts at addr, from /proc/self/maps.
func mappingLen(t *testing.T, addr uintptr) uintptr {
	t.Helper()
	n, _ := mappingAt(t, addr)
	return n
}

// mappingAt returns the length and the permissions ("rw-s") of the mapping
// of this process that starts at addr, from /proc/self/maps.
func mappingAt(t *testing.T, addr uintptr) (uintptr, string) {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var start, end uintptr
		fields := strings.Fields(sc.Text())
		if _, err := fmt.Sscanf(fields[0], "%x-%x", &start, &end); err == nil && start == addr {
			return end - start, fields[1]
		}
	}
	t.Fatalf("no mapping starts at %#x in /proc/self/maps", addr)
	return 0, ""
}

func atoiOrFail(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("peer answered %q, want a number", s)
	}
	return n
}
