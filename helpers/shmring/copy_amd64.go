package shmring

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// repMovsbMin is the size from which copyLarge uses REP MOVSB, where the
// CPU has fast string moves (ERMS): for a message that another CPU's
// cache holds or will read, the CPU's own block move keeps more lines in
// flight than memmove's AVX loop.
const repMovsbMin = 2 << 10

// repMovsb copies n bytes from src to dst with REP MOVSB. The regions
// must not overlap.
//
//go:noescape
func repMovsb(dst, src *byte, n uintptr)

// copyPiece copies src to dst, which is at least as long, for copyCached.
func copyPiece(dst, src []byte) {
	if len(src) < repMovsbMin || !cpu.X86.HasERMS || tune.avxCopy {
		copy(dst, src)
		return
	}
	dst = dst[:len(src)] // bounds check: dst holds src
	repMovsb(unsafe.SliceData(dst), unsafe.SliceData(src), uintptr(len(src)))
}
