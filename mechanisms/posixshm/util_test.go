package posixshm

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

var pageSize = os.Getpagesize()

const (
	rw = unix.PROT_READ | unix.PROT_WRITE
	ro = unix.PROT_READ
)

// newObject makes a fresh shm object with O_CREAT|O_EXCL|O_RDWR and mode,
// sized size bytes, and returns its name and the test's fd on it. Its
// unlink is registered before it exists, so that it goes also when the
// test fails half-way.
func newObject(t *testing.T, mode uint32, size int) (string, int) {
	t.Helper()
	name := proc.Name()
	unlinkAtEnd(t, name)
	fd, err := Open(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, mode)
	if err != nil {
		t.Fatalf("shm_open(%s, O_CREAT|O_EXCL|O_RDWR, %#o): %s", name, mode, sys.ErrnoName(err))
	}
	sys.Own(t, fd)
	mustTruncate(t, fd, size)
	return name, fd
}

// unlinkAtEnd unlinks the object name when the test ends, if it exists.
func unlinkAtEnd(t *testing.T, name string) {
	t.Cleanup(func() {
		if err := Unlink(name); err != nil && err != unix.ENOENT {
			t.Errorf("shm_unlink(%s): %s", name, sys.ErrnoName(err))
		}
	})
}

// newMemfd makes a memfd with flags (MFD_CLOEXEC added) of size bytes. It
// skips where vm.memfd_noexec makes a memfd asked without MFD_EXEC or
// MFD_NOEXEC_SEAL noexec-sealed (or refuses it): the tests expect the
// seals and mode of a plain memfd.
func newMemfd(t *testing.T, flags, size int) int {
	t.Helper()
	if v := memfdNoexecSysctl(t); v != 0 && flags&(unix.MFD_EXEC|unix.MFD_NOEXEC_SEAL) == 0 {
		t.Skipf("vm.memfd_noexec is %d: a memfd made without MFD_EXEC is noexec-sealed or refused", v)
	}
	fd, err := unix.MemfdCreate("ipcsuite", flags|unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatalf("memfd_create(%#x): %s", flags, sys.ErrnoName(err))
	}
	sys.Own(t, fd)
	mustTruncate(t, fd, size)
	return fd
}

func mustTruncate(t *testing.T, fd, size int) {
	t.Helper()
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		t.Fatalf("ftruncate(%d): %s", size, sys.ErrnoName(err))
	}
}

// mustMap maps length bytes of fd from offset 0, unmapped at cleanup unless
// the test unmapped it (unix.Munmap of a slice it no longer knows is EINVAL,
// which the cleanup ignores).
func mustMap(t *testing.T, fd, length, prot, flags int) []byte {
	t.Helper()
	mem, err := unix.Mmap(fd, 0, length, prot, flags)
	if err != nil {
		t.Fatalf("mmap(fd %d, %d bytes, prot %#x, flags %#x): %s", fd, length, prot, flags, sys.ErrnoName(err))
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	return mem
}

// tryMap is mmap of length bytes of fd, unmapped again at once if it
// succeeds: for the calls a test expects to fail.
func tryMap(fd, length, prot, flags int) error {
	mem, err := unix.Mmap(fd, 0, length, prot, flags)
	if err == nil {
		unix.Munmap(mem)
	}
	return err
}

// fstat returns fd's size and inode number.
func fstat(t *testing.T, fd int) (int64, uint64) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatalf("fstat: %s", sys.ErrnoName(err))
	}
	return st.Size, st.Ino
}

// pread reads n bytes at off with pread(2): what the object holds, not what
// a mapping shows. NUL bytes read as '.'.
func pread(t *testing.T, fd int, off int64, n int) string {
	t.Helper()
	buf := make([]byte, n)
	got, err := unix.Pread(fd, buf, off)
	if err != nil {
		t.Fatalf("pread: %s", sys.ErrnoName(err))
	}
	return printable(buf[:got])
}

func mustPwrite(t *testing.T, fd int, text string, off int64) {
	t.Helper()
	if _, err := unix.Pwrite(fd, []byte(text), off); err != nil {
		t.Fatalf("pwrite(%q at %d): %s", text, off, sys.ErrnoName(err))
	}
}

// eachObject runs test as subtests on the two kinds of object, a page in
// size, each with a peer that holds it as its file 0: a shm object, which
// the peer opens by name, and a memfd, which has no name and is passed to
// the peer as an fd.
func eachObject(t *testing.T, test func(t *testing.T, fd int, peer shmPeer)) {
	t.Run("shm_object", func(t *testing.T) {
		name, fd := newObject(t, 0o600, pageSize)
		peer := spawnShm(t, proc.PeerSpec{})
		peer.Must(t, "ok", "open %s %#x 0", name, unix.O_RDWR)
		test(t, fd, peer)
	})
	t.Run("memfd", func(t *testing.T) {
		fd := newMemfd(t, 0, pageSize)
		test(t, fd, spawnShm(t, proc.PeerSpec{}, fd))
	})
}
