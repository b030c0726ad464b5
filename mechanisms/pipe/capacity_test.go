package pipe

// Capacity: F_GETPIPE_SZ and F_SETPIPE_SZ, and how many bytes fit.

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers"
	"golang.org/x/sys/unix"
)

func init() { helpers.Register("set-pipe-size", setPipeSizeRole) }

// setPipeSizeRole tries F_SETPIPE_SZ with args[0] on PeerFD(0) and tells
// "size N" or "err ERRNO".
func setPipeSizeRole(args []string) int {
	n, err := unix.FcntlInt(uintptr(helpers.PeerFD(0)), unix.F_SETPIPE_SZ, atoi(args[0]))
	helpers.Tell(outcome("size", n, err))
	return 0
}

func pipeMaxSize(t *testing.T) int {
	data, err := os.ReadFile("/proc/sys/fs/pipe-max-size")
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func setPipeSize(fd, size int) (int, error) {
	return unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, size)
}

func TestDefaultCapacityIs16Pages(t *testing.T) {
	r, w := helpers.Pipe(t, 0)
	want := 16 * os.Getpagesize()
	if got, gotW := pipeSize(t, r), pipeSize(t, w); got != want || gotW != want {
		t.Fatalf("F_GETPIPE_SZ: read end %d, write end %d, want %d (16 pages)", got, gotW, want)
	}
}

func TestSetPipeSizeRoundsUpToPowerOfTwoPagesAndReturnsIt(t *testing.T) {
	page := os.Getpagesize()
	maxSize := pipeMaxSize(t)
	for _, c := range []struct{ ask, want int }{
		{0, page}, // below a page: a page
		{1, page},
		{page, page},
		{page + 1, 2 * page},
		{3 * page, 4 * page},
		{5*page + 7, 8 * page},
		{64*page + 1, 128 * page},
		{maxSize, maxSize}, // the limit itself needs no privilege
	} {
		r, w := helpers.Pipe(t, 0)
		got, err := setPipeSize(w, c.ask)
		if err != nil || got != c.want {
			t.Errorf("F_SETPIPE_SZ(%d): got %s, want %d", c.ask, helpers.Result{N: got, Err: err}, c.want)
			continue
		}
		if size := pipeSize(t, r); size != c.want {
			t.Errorf("after F_SETPIPE_SZ(%d) on the write end the read end reports %d, want %d", c.ask, size, c.want)
		}
	}
}

func TestSetPipeSizeAboveMaxNeedsCapSysResource(t *testing.T) {
	maxSize := pipeMaxSize(t)
	r, _ := helpers.Pipe(t, 0)
	got, err := setPipeSize(r, maxSize+1)
	if helpers.HasCap(unix.CAP_SYS_RESOURCE) {
		if err != nil || got != 2*maxSize {
			t.Fatalf("F_SETPIPE_SZ(max+1) with CAP_SYS_RESOURCE: got %s, want %d", helpers.Result{N: got, Err: err}, 2*maxSize)
		}
	} else {
		// Root included, without the capability (NOTES: true here).
		helpers.RequireErrno(t, err, unix.EPERM, fmt.Sprintf("F_SETPIPE_SZ(%d) above pipe-max-size %d without CAP_SYS_RESOURCE", maxSize+1, maxSize))
		if size := pipeSize(t, r); size != 16*os.Getpagesize() {
			t.Fatalf("failed F_SETPIPE_SZ changed the size to %d", size)
		}
	}
	// An unprivileged user in another process: EPERM above the limit, the
	// limit itself allowed.
	cred := helpers.OtherUID(t)
	for _, c := range []struct {
		size int
		want string
	}{{maxSize + 1, "err EPERM"}, {maxSize, fmt.Sprintf("size %d", maxSize)}} {
		r, _ := helpers.Pipe(t, 0)
		p := helpers.Spawn(t, "set-pipe-size", helpers.PeerSpec{Files: []int{r}, Credential: cred, Args: []string{strconv.Itoa(c.size)}})
		p.Expect(t, c.want)
		p.RequireExit(t, 0)
	}
}

func TestSetPipeSizeAbove2GiBFailsEINVAL(t *testing.T) {
	r, _ := helpers.Pipe(t, 0)
	_, err := setPipeSize(r, 1<<31+1)
	helpers.RequireErrno(t, err, unix.EINVAL, "F_SETPIPE_SZ(2 GiB + 1)")
}

func TestShrinkingBelowBufferedDataFailsEBUSY(t *testing.T) {
	page := os.Getpagesize()
	r, w := helpers.Pipe(t, 0)
	writeAll(t, w, pattern(2*page))
	_, err := setPipeSize(w, page)
	helpers.RequireErrno(t, err, unix.EBUSY, "F_SETPIPE_SZ(1 page) holding 2 pages of data")
	if size, n := pipeSize(t, w), nread(t, r); size != 16*page || n != 2*page {
		t.Fatalf("after the failed shrink: size %d, %d bytes buffered; want %d and %d", size, n, 16*page, 2*page)
	}
	// Shrinking to exactly what the data needs is allowed, and keeps it.
	if got, err := setPipeSize(w, 2*page); err != nil || got != 2*page {
		t.Fatalf("F_SETPIPE_SZ(2 pages) holding 2 pages: got %s", helpers.Result{N: got, Err: err})
	}
	buf := make([]byte, 2*page)
	if err := helpers.ReadFull(r, buf); err != nil || badPattern(buf) >= 0 {
		t.Fatalf("data after the shrink: %v, bad at %d", err, badPattern(buf))
	}
}

func TestShrinkCountsPagesInUseNotBytes(t *testing.T) {
	// Linux: two 10-byte packets sit in two pages, so one page cannot hold
	// them although 20 bytes would fit.
	helpers.RequireKernel(t, "3.4", "O_DIRECT packet pipes")
	r, w := directPipe(t)
	writeAll(t, w, []byte("0123456789"))
	writeAll(t, w, []byte("abcdefghij"))
	_, err := setPipeSize(w, os.Getpagesize())
	helpers.RequireErrno(t, err, unix.EBUSY, "F_SETPIPE_SZ(1 page) holding 2 packets of 10 bytes")
	if n := nread(t, r); n != 20 {
		t.Fatalf("pipe holds %d bytes, want 20", n)
	}
}

func TestNonblockWriterFillsExactlyTheCapacityBeforeEAGAIN(t *testing.T) {
	page := os.Getpagesize()
	for _, size := range []int{page, 16 * page, pipeMaxSize(t)} {
		r, w := helpers.Pipe(t, unix.O_NONBLOCK)
		if _, err := setPipeSize(w, size); err != nil {
			t.Fatalf("F_SETPIPE_SZ(%d): %s", size, helpers.ErrnoName(err))
		}
		// Chunks that divide a page: each fills the last page up.
		if got := fillNonblock(t, w, 512); got != size {
			t.Errorf("capacity %d: a non-blocking writer got %d bytes in before EAGAIN, want %d", size, got, size)
		}
		if n := nread(t, r); n != size {
			t.Errorf("capacity %d: FIONREAD %d", size, n)
		}
		// A single write larger than the room is cut at the capacity.
		r2, w2 := helpers.Pipe(t, unix.O_NONBLOCK)
		if _, err := setPipeSize(w2, size); err != nil {
			t.Fatalf("F_SETPIPE_SZ(%d): %s", size, helpers.ErrnoName(err))
		}
		if n, err := helpers.Write(w2, pattern(size+1)); n != size || err != nil {
			t.Errorf("capacity %d: write of %d bytes into an empty pipe: got %s, want %d", size, size+1, helpers.Result{N: n, Err: err}, size)
		}
		helpers.Close(r2)
		helpers.Close(w2)
		helpers.Close(r)
		helpers.Close(w)
	}
}

func TestCapacityIsCountedInPagesNotBytes(t *testing.T) {
	// Linux: a write that does not fit in the last page's room takes a page
	// of its own, so writes of 3/4 page get only one per page in.
	r, w := helpers.Pipe(t, unix.O_NONBLOCK)
	capacity, page := pipeSize(t, w), os.Getpagesize()
	pages, chunk := capacity/page, page*3/4
	if got := fillNonblock(t, w, chunk); got != pages*chunk {
		t.Fatalf("%d-byte writes into %d pages: %d bytes went in, want %d", chunk, pages, got, pages*chunk)
	}
	// Yet a write that fits the last page's room still goes in.
	writeAll(t, w, pattern(page-chunk))
	if n := nread(t, r); n != pages*chunk+page-chunk {
		t.Fatalf("FIONREAD %d after topping up the last page", n)
	}
	// Room that a reader frees at the start of a page does not count: the
	// pipe stays full until a whole page is drained.
	r2, w2 := helpers.Pipe(t, unix.O_NONBLOCK)
	writeAll(t, w2, pattern(capacity))
	requireRead(t, r2, 1, "\x00")
	_, err := helpers.Write(w2, []byte{1})
	helpers.RequireErrno(t, err, unix.EAGAIN, "1-byte write after reading 1 byte of a full pipe")
	if rev, err := helpers.Revents(w2, unix.POLLOUT, 0); err != nil || rev != 0 {
		t.Fatalf("poll on the write end: revents %#x (%v), want none", rev, err)
	}
}

func TestBlockingWriteOfCapacityPlusOneBlocksUntilReaderPeerDrains(t *testing.T) {
	r, w := helpers.Pipe(t, 0)
	p := spawnEnd(t, r, false)
	capacity := pipeSize(t, w)
	res := helpers.Blocks(t, fmt.Sprintf("write of capacity+1 = %d bytes", capacity+1),
		helpers.IO(func() (int, error) { return writeSignalsBlocked(w, pattern(capacity+1)) }),
		func() { p.Send(t, fmt.Sprintf("drain %d", capacity+1)) })
	if res != (helpers.Result{N: capacity + 1}) {
		t.Fatalf("write once the peer drained: got %s, want %d bytes", res, capacity+1)
	}
	p.Expect(t, fmt.Sprintf("drained %d ok", capacity+1))
}
