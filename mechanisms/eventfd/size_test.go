package eventfd

// Writes longer than 8 bytes: refused since Linux 6.9, which checks that
// the count is exactly 8; older kernels read the first 8 bytes and ignore
// the rest. Both sides of the change are tested, each on its kernels.

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// sixteenBytes is a write of 16 bytes: the value 3, then 4.
func sixteenBytes() []byte {
	buf := make([]byte, 16)
	binary.NativeEndian.PutUint64(buf, 3)
	binary.NativeEndian.PutUint64(buf[8:], 4)
	return buf
}

func TestWriteLongerThanEightBytesIsEINVALSince69(t *testing.T) {
	sys.RequireKernel(t, "6.9", "eventfd_write checks that the count is exactly 8 bytes")
	fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
	_, err := sys.Write(fd, sixteenBytes())
	sys.RequireErrno(t, err, unix.EINVAL, "write of 16 bytes")
	requireEmpty(t, fd, "after the refused write")
}

func TestWriteLongerThanEightBytesAddsTheFirstEightBefore69(t *testing.T) {
	if sys.KernelAtLeast("6.9") {
		t.Skipf("Linux 6.9 and later refuse writes longer than 8 bytes; running %s", sys.KernelRelease())
	}
	fd := newEventfd(t, 0, unix.EFD_NONBLOCK)
	n, err := sys.Write(fd, sixteenBytes())
	if err != nil || n != 8 {
		t.Fatalf("write of 16 bytes: %d, %s; want 8 bytes written", n, sys.ErrnoName(err))
	}
	requireTake(t, fd, 3, "after a 16-byte write of 3 and 4")
}
