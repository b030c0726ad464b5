package eventfd

// The counter between processes: what a read returns, in plain and
// semaphore mode, and when a read or a write waits.

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A read returns the sum of every write since the last read, and resets
// the counter: a kernel that kept only the last write reads 4, one that
// did not reset gives a value instead of EAGAIN.
func TestReadReturnsTheSumOfWritesAndResetsIt(t *testing.T) {
	fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
	peer := spawnCounter(t, fd)
	peer.Must(t, "ok", "add 3")
	peer.Must(t, "ok", "add 4")
	requireTake(t, fd, 7, "after the peer wrote 3 and 4")
	requireEmpty(t, fd, "after the read")
	mustAdd(t, fd, 5)
	peer.Must(t, "5", "take")
}

// The initial value given to eventfd(2) is the counter's first value.
func TestInitialValueIsTheFirstCount(t *testing.T) {
	fd := newEventfd(t, 9, unix.EFD_NONBLOCK)
	peer := spawnCounter(t, fd)
	peer.Must(t, "9", "take")
	peer.Must(t, "EAGAIN", "take")
}

// With EFD_SEMAPHORE a read returns 1 and takes 1 off the counter, in
// whichever process reads: a plain-mode read would return 3 at once.
func TestSemaphoreReadReturnsOneAndDecrements(t *testing.T) {
	fd := newEventfd(t, 0, unix.EFD_NONBLOCK|unix.EFD_SEMAPHORE)
	peer := spawnCounter(t, fd)
	peer.Must(t, "ok", "add 3")
	requireTake(t, fd, 1, "first read of a semaphore at 3")
	peer.Must(t, "1", "take")
	requireTake(t, fd, 1, "third read of a semaphore at 3")
	requireEmpty(t, fd, "semaphore taken three times")
	peer.Must(t, "EAGAIN", "take")
}

// A nonblocking read of a counter at zero fails with EAGAIN, and a
// blocking one waits until another process writes, then returns what it
// wrote.
func TestReadAtZero(t *testing.T) {
	t.Run("is_EAGAIN_when_nonblocking", func(t *testing.T) {
		fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
		requireEmpty(t, fd, "new counter at zero")
	})
	t.Run("blocks_until_a_peer_writes", func(t *testing.T) {
		fd := newEventfd(t, 0, 0)
		peer := spawnCounter(t, fd)
		got := sys.Blocks(t, "read of an eventfd at zero",
			func() string { v, err := Take(fd); return takeAnswer(v, err) },
			func() { peer.Must(t, "ok", "add 6") })
		if got != "6" {
			t.Fatalf("blocked read once the peer wrote 6: %s", got)
		}
	})
	t.Run("in_a_peer_blocks_until_the_test_writes", func(t *testing.T) {
		fd := newEventfd(t, 0, 0)
		peer := spawnCounter(t, fd)
		peer.Start(t, "take")
		peer.RequireSilent(t, "the peer's read of an eventfd at zero")
		mustAdd(t, fd, 11)
		peer.Expect(t, "11")
	})
}

// A write that would take the counter past Max does not add a part of
// itself: a blocking one waits (in the peer) until a read makes room, a
// nonblocking one fails with EAGAIN and leaves the counter as it was.
func TestWriteThatWouldOverflow(t *testing.T) {
	t.Run("blocks_until_a_read", func(t *testing.T) {
		fd := newEventfd(t, 0, 0)
		mustAdd(t, fd, Max)
		peer := spawnCounter(t, fd)
		peer.Start(t, "add 1")
		peer.RequireSilent(t, "the peer's write of 1 to a counter at Max")
		requireTake(t, fd, Max, "the counter the peer waits on")
		peer.Expect(t, "ok")
		requireTake(t, fd, 1, "after the peer's write went in")
	})
	t.Run("is_EAGAIN_when_nonblocking", func(t *testing.T) {
		fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
		mustAdd(t, fd, Max-1)
		peer := spawnCounter(t, fd)
		peer.Must(t, "EAGAIN", "add 2")
		peer.Must(t, "ok", "add 1")
		requireTake(t, fd, Max, "after a refused 2 and an accepted 1")
	})
}

// The all-ones value is not a count: writing it fails with EINVAL and
// adds nothing, even to an empty counter.
func TestWriteOfAllOnesIsEINVAL(t *testing.T) {
	fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
	peer := spawnCounter(t, fd)
	peer.Must(t, "EINVAL", "add %#x", ^uint64(0))
	requireEmpty(t, fd, "after the refused write")
}

// A read into fewer than 8 bytes fails with EINVAL and takes nothing.
func TestReadShorterThanEightBytesIsEINVAL(t *testing.T) {
	fd := newEventfd(t, 5, unix.EFD_NONBLOCK)
	for _, size := range []int{1, 4, 7} {
		t.Run(strconv.Itoa(size)+"_bytes", func(t *testing.T) {
			_, err := sys.Read(fd, make([]byte, size))
			sys.RequireErrno(t, err, unix.EINVAL, "read into "+strconv.Itoa(size)+" bytes")
		})
	}
	requireTake(t, fd, 5, "after the short reads")
}

// A write of fewer than 8 bytes fails with EINVAL, on every kernel.
func TestWriteShorterThanEightBytesIsEINVAL(t *testing.T) {
	fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
	_, err := sys.Write(fd, []byte{1, 0, 0, 0})
	sys.RequireErrno(t, err, unix.EINVAL, "write of 4 bytes")
	requireEmpty(t, fd, "after the refused write")
}

// An eventfd handed to another process as an fd is one counter: what
// either process adds, either reads, and the peer's fd names an eventfd.
func TestSharedBetweenProcessesByFD(t *testing.T) {
	fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
	peer := spawnCounter(t, fd)
	mustAdd(t, fd, 2)
	peer.Must(t, "ok", "add 3")
	peer.Must(t, "5", "take")
	requireEmpty(t, fd, "after the peer's read")
	peer.Must(t, "ok", "add 8")
	requireTake(t, fd, 8, "after the peer's write")
	if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/3", peer.Pid)); err != nil || target != "anon_inode:[eventfd]" {
		t.Fatalf("the peer's fd 3 is %q (%v), want anon_inode:[eventfd]", target, err)
	}
}
