package pipe

// Capacity: F_GETPIPE_SZ and F_SETPIPE_SZ, and how many bytes fit.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// defaultPipeMaxSize is /proc/sys/fs/pipe-max-size as the kernel sets it
// at boot (man 7 pipe).
const defaultPipeMaxSize = 1 << 20

// pipeMaxSize is /proc/sys/fs/pipe-max-size, or its documented default
// where the file does not exist (gVisor has none), which the log says.
func pipeMaxSize(t *testing.T) int {
	t.Helper()
	n, err := sys.Sysctl("fs/pipe-max-size")
	if errors.Is(err, fs.ErrNotExist) {
		t.Logf("no /proc/sys/fs/pipe-max-size: taking its documented default, %d bytes", defaultPipeMaxSize)
		return defaultPipeMaxSize
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func setPipeSize(fd, size int) (int, error) {
	return unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, size)
}

func TestDefaultCapacityIs16Pages(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	want := 16 * os.Getpagesize()
	if got, gotW := pipeSize(t, r), pipeSize(t, w); got != want || gotW != want {
		t.Fatalf("F_GETPIPE_SZ: read end %d, write end %d, want %d (16 pages)", got, gotW, want)
	}
}

func TestSetPipeSizeRoundsUpToPowerOfTwoPagesAndReturnsIt(t *testing.T) {
	page := os.Getpagesize()
	maxSize := pipeMaxSize(t)
	for _, c := range []struct {
		rule      string
		ask, want int
	}{
		{"zero is a page", 0, page},
		{"a byte is a page", 1, page},
		{"a page stays", page, page},
		{"a page and a byte are two pages", page + 1, 2 * page},
		{"three pages are four", 3 * page, 4 * page},
		{"five pages and a few bytes are eight", 5*page + 7, 8 * page},
		{"64 pages and a byte are 128", 64*page + 1, 128 * page},
		{"pipe-max-size itself needs no privilege", maxSize, maxSize},
	} {
		t.Run(c.rule, func(t *testing.T) {
			r, w := sys.Pipe(t, 0)
			got, err := setPipeSize(w, c.ask)
			if err != nil || got != c.want {
				t.Fatalf("F_SETPIPE_SZ(%d): got %s, want %d", c.ask, sys.Result{N: got, Err: err}, c.want)
			}
			if size := pipeSize(t, r); size != c.want {
				t.Fatalf("after F_SETPIPE_SZ(%d) on the write end the read end reports %d, want %d", c.ask, size, c.want)
			}
		})
	}
}

func TestSetPipeSizeAboveMaxNeedsCapSysResource(t *testing.T) {
	maxSize := pipeMaxSize(t)
	t.Run("this process", func(t *testing.T) {
		r, _ := sys.Pipe(t, 0)
		got, err := setPipeSize(r, maxSize+1)
		if sys.HasCap(unix.CAP_SYS_RESOURCE) {
			if err != nil || got != 2*maxSize {
				t.Fatalf("F_SETPIPE_SZ(max+1) with CAP_SYS_RESOURCE: got %s, want %d", sys.Result{N: got, Err: err}, 2*maxSize)
			}
			return
		}
		// Root included, without the capability (NOTES: true here).
		sys.RequireErrno(t, err, unix.EPERM, fmt.Sprintf("F_SETPIPE_SZ(%d) above pipe-max-size %d without CAP_SYS_RESOURCE", maxSize+1, maxSize))
		if size := pipeSize(t, r); size != 16*os.Getpagesize() {
			t.Fatalf("failed F_SETPIPE_SZ changed the size to %d", size)
		}
	})
	// An unprivileged user in another process.
	for _, c := range []struct {
		rule string
		size int
		want string
	}{
		{"another user above the limit gets EPERM", maxSize + 1, "EPERM"},
		{"another user may set the limit itself", maxSize, strconv.Itoa(maxSize)},
	} {
		t.Run(c.rule, func(t *testing.T) {
			cred := sys.OtherUID(t)
			r, _ := sys.Pipe(t, 0)
			p := proc.Spawn(t, "set-pipe-size", proc.PeerSpec{Files: []int{r}, Credential: cred, Args: []string{strconv.Itoa(c.size)}})
			p.Expect(t, c.want)
			p.RequireExit(t, 0)
		})
	}
}

func TestSetPipeSizeAbove2GiBFailsEINVAL(t *testing.T) {
	r, _ := sys.Pipe(t, 0)
	_, err := setPipeSize(r, 1<<31+1)
	sys.RequireErrno(t, err, unix.EINVAL, "F_SETPIPE_SZ(2 GiB + 1)")
}

func TestShrinkingBelowBufferedDataFailsEBUSY(t *testing.T) {
	page := os.Getpagesize()
	r, w := sys.Pipe(t, 0)
	writeAll(t, w, pattern(2*page))
	_, err := setPipeSize(w, page)
	sys.RequireErrno(t, err, unix.EBUSY, "F_SETPIPE_SZ(1 page) holding 2 pages of data")
	if size, n := pipeSize(t, w), nread(t, r); size != 16*page || n != 2*page {
		t.Fatalf("after the failed shrink: size %d, %d bytes buffered; want %d and %d", size, n, 16*page, 2*page)
	}
	// Shrinking to exactly what the data needs is allowed, and keeps it.
	if got, err := setPipeSize(w, 2*page); err != nil || got != 2*page {
		t.Fatalf("F_SETPIPE_SZ(2 pages) holding 2 pages: got %s", sys.Result{N: got, Err: err})
	}
	buf := make([]byte, 2*page)
	if err := sys.ReadFull(r, buf); err != nil || badPattern(buf) >= 0 {
		t.Fatalf("data after the shrink: %v, bad at %d", err, badPattern(buf))
	}
}

func TestShrinkCountsPagesInUseNotBytes(t *testing.T) {
	// Linux: a write that does not fit the room left in the last page
	// takes a new page, and a page stays in use until all of it is read.
	// So a full page, then a few bytes, then reading all but the last
	// bytes of that page leaves a handful of bytes in two pages: one page
	// cannot take them, though it could take the bytes.
	page := os.Getpagesize()
	r, w := sys.Pipe(t, 0)
	data := append(pattern(page), "0123456789"...)
	writeAll(t, w, data[:page])
	writeAll(t, w, data[page:])
	if err := sys.ReadFull(r, make([]byte, page-6)); err != nil {
		t.Fatalf("read the first page but its last bytes: %s", sys.ErrnoName(err))
	}
	left := data[page-6:]
	_, err := setPipeSize(w, page)
	sys.RequireErrno(t, err, unix.EBUSY, fmt.Sprintf("F_SETPIPE_SZ(1 page) holding %d bytes in two pages", len(left)))
	if n := nread(t, r); n != len(left) {
		t.Fatalf("pipe holds %d bytes after the failed shrink, want %d", n, len(left))
	}
	// The same bytes in one page: the shrink succeeds.
	r2, w2 := sys.Pipe(t, 0)
	writeAll(t, w2, left)
	if got, err := setPipeSize(w2, page); err != nil || got != page {
		t.Fatalf("F_SETPIPE_SZ(1 page) holding %d bytes in one page: got %s, want %d", len(left), sys.Result{N: got, Err: err}, page)
	}
	requireRead(t, r, 100, string(left))
	requireRead(t, r2, 100, string(left))
}

func TestNonblockWriterFillsExactlyTheCapacityBeforeEAGAIN(t *testing.T) {
	page := os.Getpagesize()
	for _, c := range []struct {
		rule string
		size int
	}{
		{"one page", page},
		{"the default 16 pages", 16 * page},
		{"pipe-max-size", pipeMaxSize(t)},
	} {
		t.Run(c.rule, func(t *testing.T) {
			size := c.size
			r, w := sys.Pipe(t, unix.O_NONBLOCK)
			if _, err := setPipeSize(w, size); err != nil {
				t.Fatalf("F_SETPIPE_SZ(%d): %s", size, sys.ErrnoName(err))
			}
			// Chunks that divide a page: each fills the last page up.
			if got := fillNonblock(t, w, 512); got != size {
				t.Errorf("capacity %d: a non-blocking writer got %d bytes in before EAGAIN, want %d", size, got, size)
			}
			if n := nread(t, r); n != size {
				t.Errorf("capacity %d: FIONREAD %d", size, n)
			}
			// A single write larger than the room is cut at the capacity.
			r2, w2 := sys.Pipe(t, unix.O_NONBLOCK)
			if _, err := setPipeSize(w2, size); err != nil {
				t.Fatalf("F_SETPIPE_SZ(%d): %s", size, sys.ErrnoName(err))
			}
			if n, err := sys.Write(w2, pattern(size+1)); n != size || err != nil {
				t.Errorf("capacity %d: write of %d bytes into an empty pipe: got %s, want %d", size, size+1, sys.Result{N: n, Err: err}, size)
			}
			sys.Close(r2)
			sys.Close(w2)
			sys.Close(r)
			sys.Close(w)
		})
	}
}

func TestCapacityIsCountedInPagesNotBytes(t *testing.T) {
	// Linux: a write that does not fit in the last page's room takes a page
	// of its own, so writes of 3/4 page get only one per page in.
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
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
	r2, w2 := sys.Pipe(t, unix.O_NONBLOCK)
	writeAll(t, w2, pattern(capacity))
	requireRead(t, r2, 1, "\x00")
	_, err := sys.Write(w2, []byte{1})
	sys.RequireErrno(t, err, unix.EAGAIN, "1-byte write after reading 1 byte of a full pipe")
	if rev, err := sys.Revents(w2, unix.POLLOUT, 0); err != nil || rev != 0 {
		t.Fatalf("poll on the write end: revents %#x (%v), want none", rev, err)
	}
}

func TestBlockingWriteOfCapacityPlusOneBlocksUntilReaderPeerDrains(t *testing.T) {
	r, w := sys.Pipe(t, 0)
	p := spawnEnd(t, r, false)
	capacity := pipeSize(t, w)
	res := sys.Blocks(t, fmt.Sprintf("write of capacity+1 = %d bytes", capacity+1),
		sys.IO(func() (int, error) { return writeSignalsBlocked(w, pattern(capacity+1)) }),
		func() { p.Start(t, "drain %d", capacity+1) })
	if res != (sys.Result{N: capacity + 1}) {
		t.Fatalf("write once the peer drained: got %s, want %d bytes", res, capacity+1)
	}
	p.Expect(t, "ok")
}
