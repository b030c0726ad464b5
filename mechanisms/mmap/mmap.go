// Package mmap holds raw wrappers for mmap(2) and its companions on
// file-backed mappings; its tests prove the semantics of man 2 mmap,
// munmap, msync, mincore and madvise between real processes.
package mmap

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Map is mmap(2) returning the raw address, which the tests need (an
// unaligned munmap, MAP_FIXED_NOREPLACE over a known range) and which
// unix.Mmap hides behind a slice.
func Map(addr uintptr, length, prot, flags, fd int, off int64) (uintptr, error) {
	return sys.Syscall(unix.SYS_MMAP, addr, uintptr(length), uintptr(prot), uintptr(flags), uintptr(fd), uintptr(off))
}

// Unmap is munmap(2).
func Unmap(addr uintptr, length int) error {
	_, err := sys.Syscall(unix.SYS_MUNMAP, addr, uintptr(length))
	return err
}

// Sync is msync(2).
func Sync(addr uintptr, length, flags int) error {
	_, err := sys.Syscall(unix.SYS_MSYNC, addr, uintptr(length), uintptr(flags))
	return err
}

// Advise is madvise(2).
func Advise(addr uintptr, length, advice int) error {
	_, err := sys.Syscall(unix.SYS_MADVISE, addr, uintptr(length), uintptr(advice))
	return err
}

// Resident is mincore(2): one byte per page of the range, bit 0 set when
// the page is resident in memory.
func Resident(addr uintptr, length int) ([]byte, error) {
	pages := (length + unix.Getpagesize() - 1) / unix.Getpagesize()
	vec := make([]byte, pages)
	_, err := sys.SyscallArgs(unix.SYS_MINCORE, sys.Num(addr), sys.Num(length), sys.Ptr(unsafe.Pointer(&vec[0])))
	return vec, err
}

// Bytes returns n bytes of memory at addr, a mapping's address.
func Bytes(addr uintptr, n int) []byte {
	p := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return unsafe.Slice((*byte)(p), n)
}
