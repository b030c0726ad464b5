// Package sysvshm holds wrappers for System V shared memory and two
// ping-pong transports over it (busy-polling, and blocking on a SysV
// semaphore doorbell); its tests prove the semantics of man 2 shmget,
// shmop and shmctl between real processes.
package sysvshm

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// shmat flags, shmctl commands and mode bits (linux/shm.h) that x/sys/unix
// lacks.
const (
	SHM_RDONLY = unix.SHM_RDONLY
	SHM_RND    = unix.SHM_RND
	SHM_REMAP  = 0o40000
	SHM_EXEC   = 0o100000

	IPC_INFO     = 3
	SHM_LOCK     = 11
	SHM_UNLOCK   = 12
	SHM_STAT     = 13
	SHM_INFO     = 14
	SHM_STAT_ANY = 15

	SHM_DEST   = 0o1000 // in shm_perm.mode: marked for removal
	SHM_LOCKED = 0o2000 // in shm_perm.mode: locked in memory
)

// ShmidDS is struct shmid64_ds as the kernel fills it on amd64 and arm64
// (x/sys/unix has the layout for both).
type ShmidDS = unix.SysvShmDesc

// ShmInfo is struct shminfo64, which IPC_INFO fills: nine unsigned longs.
type ShmInfo struct {
	Max, Min, Mni, Seg, All uint64
	_                       [4]uint64
}

// ShmUsage is struct shm_info, which SHM_INFO fills.
type ShmUsage struct {
	UsedIDs int32
	_       int32
	Tot     uint64 // pages in all segments
	Rss     uint64
	Swp     uint64
	_       [2]uint64
}

// Get is shmget(2). size is a size_t: sizes past the int range are
// meaningful to the kernel (EINVAL above SHMMAX), so it is a uint64 here.
func Get(key int, size uint64, flags int) (int, error) {
	if size <= uint64(^uint(0)>>1) {
		return unix.SysvShmGet(key, int(size), flags)
	}
	id, err := sys.Syscall(unix.SYS_SHMGET, uintptr(key), uintptr(size), uintptr(flags))
	return int(id), err
}

// Attach is shmat(2), returning the address. Unlike unix.SysvShmAttach it
// makes no IPC_STAT (which needs read permission of its own) and leaves the
// length to the caller, who may want the page-rounded one.
func Attach(id int, addr uintptr, flags int) (uintptr, error) {
	return sys.Syscall(unix.SYS_SHMAT, uintptr(id), addr, uintptr(flags))
}

// Detach is shmdt(2) of an address.
func Detach(addr uintptr) error {
	_, err := sys.Syscall(unix.SYS_SHMDT, addr)
	return err
}

// Bytes views n bytes at addr, an attached segment. The memory is outside
// Go's heap, so turning the address into a pointer is safe; it is done
// through memory so that vet's unsafeptr check, meant for heap addresses,
// does not object.
func Bytes(addr uintptr, n int) []byte {
	p := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return unsafe.Slice((*byte)(p), n)
}

// Stat is IPC_STAT.
func Stat(id int) (ShmidDS, error) {
	var ds ShmidDS
	_, err := unix.SysvShmCtl(id, unix.IPC_STAT, &ds)
	return ds, err
}

// Set is IPC_SET: uid, gid and the low 9 bits of mode.
func Set(id int, ds *ShmidDS) error {
	_, err := unix.SysvShmCtl(id, unix.IPC_SET, ds)
	return err
}

// Remove is IPC_RMID: the segment goes once nobody has it attached.
func Remove(id int) error {
	_, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	return err
}

// Ctl is shmctl(2) for commands without a buffer (SHM_LOCK, SHM_UNLOCK).
func Ctl(id, cmd int) error {
	_, err := unix.SysvShmCtl(id, cmd, nil)
	return err
}

// Info is IPC_INFO: the limits of this IPC namespace.
func Info() (ShmInfo, error) {
	var info ShmInfo
	_, err := sys.SyscallArgs(unix.SYS_SHMCTL, sys.Num(0), sys.Num(IPC_INFO), sys.Ptr(unsafe.Pointer(&info)))
	return info, err
}

// Usage is SHM_INFO; it returns the highest used index of the kernel's
// table too.
func Usage() (int, ShmUsage, error) {
	var u ShmUsage
	n, err := sys.SyscallArgs(unix.SYS_SHMCTL, sys.Num(0), sys.Num(SHM_INFO), sys.Ptr(unsafe.Pointer(&u)))
	return int(n), u, err
}

// StatIndex is SHM_STAT or SHM_STAT_ANY on an index of the kernel's table;
// it returns the segment's identifier.
func StatIndex(index, cmd int) (int, ShmidDS, error) {
	var ds ShmidDS
	id, err := sys.SyscallArgs(unix.SYS_SHMCTL, sys.Num(index), sys.Num(cmd), sys.Ptr(unsafe.Pointer(&ds)))
	return int(id), ds, err
}
