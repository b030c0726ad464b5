// Package eventfd tests eventfd(2) counters shared between processes: the
// counter's arithmetic, its blocking and overflow rules, the sizes read
// and write accept, and its poll readiness.
package eventfd

import (
	"encoding/binary"
	"fmt"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Max is the largest value the counter holds after a write: one less than
// the all-ones value, which the kernel keeps for an overflow.
const Max = ^uint64(0) - 1

// Add writes n to the eventfd fd in one 8-byte write(2), retried on EINTR.
func Add(fd int, n uint64) error {
	var buf [8]byte
	binary.NativeEndian.PutUint64(buf[:], n)
	_, err := sys.Write(fd, buf[:])
	return err
}

// Take reads the eventfd fd in one 8-byte read(2), retried on EINTR: the
// whole count, or 1 in semaphore mode.
func Take(fd int) (uint64, error) {
	var buf [8]byte
	n, err := sys.Read(fd, buf[:])
	if err != nil {
		return 0, err
	}
	if n != len(buf) {
		return 0, fmt.Errorf("read of an eventfd returned %d bytes, want 8", n)
	}
	return binary.NativeEndian.Uint64(buf[:]), nil
}
