// Package posixshm holds wrappers for POSIX shared memory objects and
// memfds; its tests prove the semantics of man 7 shm_overview, man 3
// shm_open and man 2 memfd_create between real processes. shm_open and
// shm_unlink are glibc's open(2) and unlink(2) of a name in /dev/shm, a
// tmpfs, which Open and Unlink call directly; memfd_create makes the same
// kind of object with no name at all, which reaches another process only
// as a descriptor, and which seals (F_ADD_SEALS) can freeze.
package posixshm

import (
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Dir is where shared memory objects have their names.
const Dir = "/dev/shm"

// Path is the file behind the object named name (no slash).
func Path(name string) string { return filepath.Join(Dir, name) }

// Open is shm_open(3) as glibc makes it: open(2) of the name in Dir with
// O_NOFOLLOW and O_CLOEXEC added.
func Open(name string, flags int, mode uint32) (int, error) {
	return sys.RetryValue(func() (int, error) {
		return unix.Open(Path(name), flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
	})
}

// Unlink is shm_unlink(3): unlink(2) of the name in Dir.
func Unlink(name string) error { return unix.Unlink(Path(name)) }

// Seals is fcntl(F_GET_SEALS): the seals set on a memfd.
func Seals(fd int) (int, error) { return unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0) }

// AddSeals is fcntl(F_ADD_SEALS).
func AddSeals(fd, seals int) error {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals)
	return err
}
