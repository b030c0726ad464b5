package zerocopy

// vmsplice(2): the kernel puts the caller's pages themselves into a pipe,
// by reference, rather than copying them.

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// userPages maps n anonymous pages of the test's own memory, filled with
// the stream's bytes from from, unmapped when the test ends.
func userPages(t *testing.T, n int, from int64) []byte {
	t.Helper()
	mem, err := unix.Mmap(-1, 0, n*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatalf("mmap %d pages: %s", n, sys.ErrnoName(err))
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	Fill(mem, from)
	return mem
}

// vmsplice hands mem to the pipe w, all of it in one call.
func vmsplice(t *testing.T, w int, mem []byte) {
	t.Helper()
	iov := []unix.Iovec{{Base: unsafe.SliceData(mem)}}
	iov[0].SetLen(len(mem))
	n, err := unix.Vmsplice(w, iov, 0)
	requireCount(t, "vmsplice of the user pages", n, err, len(mem))
}

// A peer reads from the pipe the bytes that were in the test's pages.
func TestVmsplicePeerReadsWhatWasGiven(t *testing.T) {
	w, reader := pipeToReader(t)
	vmsplice(t, w, userPages(t, 2, 300))
	reader.Must(t, "ok", "expect %d 300", 2*page)
}

// The pipe holds the pages themselves, not a copy: what the test writes
// into them after vmsplice returned, and before the peer reads, is what
// the peer reads. A kernel that copied the pages into the pipe would hand
// the peer the bytes as they were at the call.
func TestVmspliceMapsUserPagesIntoThePipe(t *testing.T) {
	w, reader := pipeToReader(t)
	mem := userPages(t, 2, 300)
	vmsplice(t, w, mem)
	Fill(mem, 7)
	reader.Must(t, "ok", "expect %d 7", 2*page)
}
