package sysvshm

import (
	"math"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// A new segment's size must be in [SHMMIN, SHMMAX]: SHMMIN is 1, so size 0
// is EINVAL, and so is SHMMAX+1 (SHMMAX is /proc/sys/kernel/shmmax, per
// IPC namespace, which IPC_INFO reports too).
func TestShmgetSizeOutsideSHMMINToSHMMAXFailsEINVAL(t *testing.T) {
	shmmax, err := sysv.ReadLimit("shmmax")
	if err != nil {
		t.Fatal(err)
	}
	info, err := Info()
	if err != nil {
		t.Fatalf("IPC_INFO: %s", sys.ErrnoName(err))
	}
	if info.Min != 1 || info.Max != shmmax {
		t.Fatalf("IPC_INFO: shmmin %d, shmmax %d; want 1 and %d", info.Min, info.Max, shmmax)
	}
	_, err = Get(unix.IPC_PRIVATE, 0, unix.IPC_CREAT|0o600)
	sys.RequireErrno(t, err, unix.EINVAL, "shmget of size 0")
	if shmmax == math.MaxUint64 {
		t.Skip("SHMMAX is the largest size_t: no size is above it")
	}
	_, err = Get(unix.IPC_PRIVATE, shmmax+1, unix.IPC_CREAT|0o600)
	sys.RequireErrno(t, err, unix.EINVAL, "shmget of SHMMAX+1 bytes")
}

// Looking up an existing key may ask for its size or less (0 included),
// not more: a larger size is EINVAL. IPC_CREAT|IPC_EXCL on an existing key
// is EEXIST; a missing key without IPC_CREAT is ENOENT; IPC_PRIVATE always
// makes a new segment.
func TestShmgetOfAnExistingKey(t *testing.T) {
	key, _ := sysv.NewKey(t, 'm')
	_, err := Get(key, 100, 0o600)
	sys.RequireErrno(t, err, unix.ENOENT, "shmget of a missing key without IPC_CREAT")
	id := newKeyedSegment(t, key, 5000, 0o600)
	for _, size := range []uint64{5000, 4999, 1, 0} {
		if got, err := Get(key, size, 0o600); err != nil || got != id {
			t.Fatalf("shmget(key, %d) of a 5000-byte segment: id %d, %s; want %d", size, got, sys.ErrnoName(err), id)
		}
	}
	// 5001 still fits in the segment's second page: the check is against
	// the size asked for at creation, not the pages.
	_, err = Get(key, 5001, 0o600)
	sys.RequireErrno(t, err, unix.EINVAL, "shmget(key, 5001) of a 5000-byte segment")
	_, err = Get(key, 5000, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	sys.RequireErrno(t, err, unix.EEXIST, "shmget(key, IPC_CREAT|IPC_EXCL) of an existing key")
	a, b := newSegment(t, 100, 0o600), newSegment(t, 100, 0o600)
	if a == b || a == id || b == id {
		t.Fatalf("IPC_PRIVATE segments %d and %d, keyed %d: want three distinct ids", a, b, id)
	}
}

// shm_segsz is the size asked for, but memory comes in pages: the mapping
// is rounded up to a page, and the bytes past shm_segsz in the last page
// are there to read (zeros) and write, shared like the rest.
func TestSizeIsExactButTheMappingIsWholePages(t *testing.T) {
	const size = 5000
	id := newSegment(t, size, 0o600)
	if got := stat(t, id).Segsz; got != size {
		t.Fatalf("shm_segsz = %d, want %d", got, size)
	}
	rounded := (size + pageSize - 1) / pageSize * pageSize
	addr, mem := mustAttach(t, id, 0, rounded)
	if got := mappingLen(t, addr); got != uintptr(rounded) {
		t.Fatalf("the attach maps %d bytes, want %d (whole pages)", got, rounded)
	}
	if tail := mem[size:]; strings.Trim(string(tail), "\x00") != "" {
		t.Fatalf("bytes past shm_segsz are not zero")
	}
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "attach %d 0", id)
	peer.Must(t, "ok", "write 0 %d past-the-size", rounded-13)
	if got := string(mem[rounded-13:]); got != "past-the-size" {
		t.Fatalf("test read %q in the last page past shm_segsz, want the peer's write", got)
	}
}

// SHM_INFO counts the segments of the namespace and their pages, and
// returns the highest index in use of the kernel's table, over which
// SHM_STAT finds every segment, these two among them.
func TestShmInfoCountsSegmentsAndPages(t *testing.T) {
	a := newSegment(t, 1, 0o600)
	b := newSegment(t, 3*pageSize+1, 0o600)
	maxIndex, usage, err := Usage()
	if err != nil {
		t.Fatalf("SHM_INFO: %s", sys.ErrnoName(err))
	}
	found := map[int]uint64{} // id: size
	var pages uint64
	for index := 0; index <= maxIndex; index++ {
		id, ds, err := StatIndex(index, SHM_STAT)
		if err == unix.EINVAL {
			continue // no segment at this index
		}
		if err != nil {
			t.Fatalf("SHM_STAT of index %d: %s", index, sys.ErrnoName(err))
		}
		found[id] = ds.Segsz
		pages += (ds.Segsz + uint64(pageSize) - 1) / uint64(pageSize)
	}
	if found[a] != 1 || found[b] != uint64(3*pageSize+1) {
		t.Fatalf("SHM_STAT over indexes 0..%d found %v, want %d (1 byte) and %d (%d bytes)", maxIndex, found, a, b, 3*pageSize+1)
	}
	if int(usage.UsedIDs) != len(found) || usage.Tot != pages {
		t.Fatalf("SHM_INFO: %d segments of %d pages; SHM_STAT over indexes 0..%d finds %d of %d", usage.UsedIDs, usage.Tot, maxIndex, len(found), pages)
	}
}
