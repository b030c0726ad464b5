package posixshm

import (
	"errors"
	"io/fs"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// sealable is a memfd that accepts seals, a page in size.
func sealable(t *testing.T) int {
	t.Helper()
	return newMemfd(t, unix.MFD_ALLOW_SEALING, pageSize)
}

func mustSeal(t *testing.T, fd, seals int) {
	t.Helper()
	if err := AddSeals(fd, seals); err != nil {
		t.Fatalf("F_ADD_SEALS %#x: %s", seals, sys.ErrnoName(err))
	}
}

func requireSeals(t *testing.T, fd, want int) {
	t.Helper()
	got, err := Seals(fd)
	if err != nil {
		t.Fatalf("F_GET_SEALS: %s", sys.ErrnoName(err))
	}
	if got != want {
		t.Fatalf("F_GET_SEALS: %#x, want %#x", got, want)
	}
}

// A memfd made without MFD_ALLOW_SEALING starts with F_SEAL_SEAL, so that
// no seal can ever be added (EPERM); with the flag it starts with none.
func TestMemfdWithoutAllowSealingStartsWithSealSeal(t *testing.T) {
	fd := newMemfd(t, 0, pageSize)
	requireSeals(t, fd, unix.F_SEAL_SEAL)
	sys.RequireErrno(t, AddSeals(fd, unix.F_SEAL_WRITE), unix.EPERM, "F_ADD_SEALS on a memfd without MFD_ALLOW_SEALING")
	requireSeals(t, sealable(t), 0)
}

// F_SEAL_WRITE freezes the contents: write(2) fails with EPERM, and so
// does a new writable MAP_SHARED mapping, while a writable private one
// (copy-on-write, never reaching the object) is still allowed. The object
// keeps its bytes.
func TestSealWriteRefusesWritesAndWritableSharedMappings(t *testing.T) {
	fd := sealable(t)
	mustPwrite(t, fd, "before", 0)
	mustSeal(t, fd, unix.F_SEAL_WRITE)
	requireSeals(t, fd, unix.F_SEAL_WRITE)

	_, err := unix.Pwrite(fd, []byte("after!"), 0)
	sys.RequireErrno(t, err, unix.EPERM, "write(2) to a memfd sealed with F_SEAL_WRITE")
	sys.RequireErrno(t, tryMap(fd, pageSize, rw, unix.MAP_SHARED), unix.EPERM, "mmap(PROT_WRITE, MAP_SHARED) of a memfd sealed with F_SEAL_WRITE")

	private := mustMap(t, fd, pageSize, rw, unix.MAP_PRIVATE)
	copy(private, "after!")
	if got := pread(t, fd, 0, 6); got != "before" {
		t.Fatalf("after a write to a private mapping read(2) gives %q, want %q", got, "before")
	}
}

// Since Linux 6.7 a read-only MAP_SHARED mapping of a write-sealed memfd
// is allowed, since it can never be made writable; earlier kernels counted
// every shared mapping of a file open for writing as a writer and refused
// it with EPERM.
func TestSealWriteAllowsReadOnlySharedMappings(t *testing.T) {
	sys.RequireKernel(t, "6.7", "a read-only shared mapping no longer counts as a writer of a sealed memfd")
	fd := sealable(t)
	mustPwrite(t, fd, "before", 0)
	mustSeal(t, fd, unix.F_SEAL_WRITE)
	if got := string(mustMap(t, fd, pageSize, ro, unix.MAP_SHARED)[:6]); got != "before" {
		t.Fatalf("a read-only shared mapping reads %q, want %q", got, "before")
	}
}

// F_SEAL_WRITE cannot be added while a writable shared mapping exists, in
// this process or in another (EBUSY), since that mapping could still
// write; once the mapping is gone the seal goes on.
func TestAddingSealWriteWhileAWritableSharedMappingExistsIsEBUSY(t *testing.T) {
	t.Run("in_this_process", func(t *testing.T) {
		fd := sealable(t)
		mem := mustMap(t, fd, pageSize, rw, unix.MAP_SHARED)
		sys.RequireErrno(t, AddSeals(fd, unix.F_SEAL_WRITE), unix.EBUSY, "F_SEAL_WRITE with a writable shared mapping in the test")
		requireSeals(t, fd, 0)
		if err := unix.Munmap(mem); err != nil {
			t.Fatalf("munmap: %s", sys.ErrnoName(err))
		}
		mustSeal(t, fd, unix.F_SEAL_WRITE)
	})
	t.Run("in_the_peer", func(t *testing.T) {
		fd := sealable(t)
		peer := spawnShm(t, proc.PeerSpec{}, fd)
		peer.Must(t, "ok", "map 0 %d %d %d", pageSize, rw, unix.MAP_SHARED)
		sys.RequireErrno(t, AddSeals(fd, unix.F_SEAL_WRITE), unix.EBUSY, "F_SEAL_WRITE with a writable shared mapping in the peer")
		requireSeals(t, fd, 0)
		peer.Must(t, "ok", "unmap 0")
		mustSeal(t, fd, unix.F_SEAL_WRITE)
	})
}

// F_SEAL_SHRINK refuses ftruncate to a smaller size (EPERM); growing is
// still allowed.
func TestSealShrinkRefusesShrinking(t *testing.T) {
	fd := newMemfd(t, unix.MFD_ALLOW_SEALING, 2*pageSize)
	mustSeal(t, fd, unix.F_SEAL_SHRINK)
	sys.RequireErrno(t, unix.Ftruncate(fd, int64(pageSize)), unix.EPERM, "ftruncate smaller under F_SEAL_SHRINK")
	mustTruncate(t, fd, 3*pageSize)
	if size, _ := fstat(t, fd); size != int64(3*pageSize) {
		t.Fatalf("after growing under F_SEAL_SHRINK the size is %d, want %d", size, 3*pageSize)
	}
}

// F_SEAL_GROW refuses ftruncate to a larger size and a write past the end
// (EPERM), and leaves the size as it was; writing inside the object and
// shrinking are still allowed.
func TestSealGrowRefusesGrowing(t *testing.T) {
	fd := sealable(t)
	mustSeal(t, fd, unix.F_SEAL_GROW)
	sys.RequireErrno(t, unix.Ftruncate(fd, int64(2*pageSize)), unix.EPERM, "ftruncate larger under F_SEAL_GROW")
	_, err := unix.Pwrite(fd, []byte("past"), int64(pageSize))
	sys.RequireErrno(t, err, unix.EPERM, "write past the end under F_SEAL_GROW")
	if size, _ := fstat(t, fd); size != int64(pageSize) {
		t.Fatalf("after the refused growth the size is %d, want %d", size, pageSize)
	}
	mustPwrite(t, fd, "inside", int64(pageSize-6))
	mustTruncate(t, fd, pageSize/2)
}

// F_SEAL_SEAL refuses every later F_ADD_SEALS with EPERM, and the seals
// stay as they were.
func TestSealSealRefusesFurtherSeals(t *testing.T) {
	fd := sealable(t)
	mustSeal(t, fd, unix.F_SEAL_SHRINK|unix.F_SEAL_SEAL)
	for _, s := range []struct {
		name  string
		value int
	}{{"F_SEAL_WRITE", unix.F_SEAL_WRITE}, {"F_SEAL_GROW", unix.F_SEAL_GROW}, {"F_SEAL_SHRINK", unix.F_SEAL_SHRINK}} {
		t.Run(s.name, func(t *testing.T) {
			sys.RequireErrno(t, AddSeals(fd, s.value), unix.EPERM, "F_ADD_SEALS "+s.name+" after F_SEAL_SEAL")
			requireSeals(t, fd, unix.F_SEAL_SHRINK|unix.F_SEAL_SEAL)
		})
	}
}

// F_SEAL_FUTURE_WRITE (Linux 5.1) freezes the contents against new
// writers only: unlike F_SEAL_WRITE it goes on while a writable shared
// mapping exists, which keeps writing to the object, while write(2) and a
// new writable shared mapping fail with EPERM; read-only and private
// mappings are still allowed.
func TestSealFutureWriteRefusesOnlyNewWriters(t *testing.T) {
	fd := sealable(t)
	mem := mustMap(t, fd, pageSize, rw, unix.MAP_SHARED)
	err := AddSeals(fd, unix.F_SEAL_FUTURE_WRITE)
	sys.RequireFeature(t, "5.1", "F_SEAL_FUTURE_WRITE", err, unix.EINVAL)
	requireSeals(t, fd, unix.F_SEAL_FUTURE_WRITE)

	copy(mem, "through-the-old-mapping")
	if got := pread(t, fd, 0, 23); got != "through-the-old-mapping" {
		t.Fatalf("read(2) after a write through the mapping made before the seal gives %q", got)
	}
	_, err = unix.Pwrite(fd, []byte("new"), 0)
	sys.RequireErrno(t, err, unix.EPERM, "write(2) under F_SEAL_FUTURE_WRITE")
	sys.RequireErrno(t, tryMap(fd, pageSize, rw, unix.MAP_SHARED), unix.EPERM, "a new mmap(PROT_WRITE, MAP_SHARED) under F_SEAL_FUTURE_WRITE")
	if got := string(mustMap(t, fd, pageSize, ro, unix.MAP_SHARED)[:7]); got != "through" {
		t.Fatalf("a new read-only shared mapping reads %q, want %q", got, "through")
	}
	private := mustMap(t, fd, pageSize, rw, unix.MAP_PRIVATE)
	copy(private, "private")
	if got := pread(t, fd, 0, 7); got != "through" {
		t.Fatalf("after a write to a private mapping read(2) gives %q, want %q", got, "through")
	}
}

// MFD_NOEXEC_SEAL and F_SEAL_EXEC (Linux 6.3): a memfd made with
// MFD_NOEXEC_SEAL has no execute bits and carries F_SEAL_EXEC (and may take
// other seals); F_SEAL_EXEC refuses any chmod that changes an execute bit
// (EPERM), on such a memfd and on an executable one sealed later, while
// other mode bits may still change.
func TestNoexecSealAndSealExecFreezeTheExecuteBits(t *testing.T) {
	sys.RequireKernel(t, "6.3", "MFD_NOEXEC_SEAL, MFD_EXEC and F_SEAL_EXEC")
	t.Run("MFD_NOEXEC_SEAL", func(t *testing.T) {
		fd := newMemfd(t, unix.MFD_NOEXEC_SEAL, pageSize)
		if mode := fileMode(t, fd); mode&0o111 != 0 {
			t.Fatalf("a memfd made with MFD_NOEXEC_SEAL has mode %#o, want no execute bits", mode)
		}
		requireSeals(t, fd, unix.F_SEAL_EXEC)
		sys.RequireErrno(t, unix.Fchmod(fd, 0o755), unix.EPERM, "chmod +x of a memfd made with MFD_NOEXEC_SEAL")
		if err := unix.Fchmod(fd, 0o600); err != nil {
			t.Fatalf("chmod 0600 (no execute bit changed) under F_SEAL_EXEC: %s", sys.ErrnoName(err))
		}
		mustSeal(t, fd, unix.F_SEAL_WRITE)
	})
	t.Run("F_SEAL_EXEC_on_an_executable_memfd", func(t *testing.T) {
		if v := memfdNoexecSysctl(t); v == 2 {
			t.Skipf("vm.memfd_noexec is %d: executable memfds are refused", v)
		}
		fd := newMemfd(t, unix.MFD_EXEC|unix.MFD_ALLOW_SEALING, pageSize)
		if mode := fileMode(t, fd); mode&0o111 != 0o111 {
			t.Fatalf("a memfd made with MFD_EXEC has mode %#o, want every execute bit", mode)
		}
		mustSeal(t, fd, unix.F_SEAL_EXEC)
		sys.RequireErrno(t, unix.Fchmod(fd, 0o644), unix.EPERM, "chmod -x under F_SEAL_EXEC")
		if err := unix.Fchmod(fd, 0o711); err != nil {
			t.Fatalf("chmod 0711 (no execute bit changed) under F_SEAL_EXEC: %s", sys.ErrnoName(err))
		}
	})
}

func fileMode(t *testing.T, fd int) uint32 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatalf("fstat: %s", sys.ErrnoName(err))
	}
	return st.Mode & 0o7777
}

// memfdNoexecSysctl reads vm.memfd_noexec (0 where it is absent).
func memfdNoexecSysctl(t *testing.T) int {
	t.Helper()
	v, err := sys.Sysctl("vm/memfd_noexec")
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Seals belong to the object, not to a descriptor or a process: a peer
// that received the memfd as an fd reads with F_GET_SEALS the seals the
// test set, is refused (EPERM) what they forbid, and a seal it adds is
// seen by the test.
func TestSealsAreSeenByThePeerThatReceivedTheFd(t *testing.T) {
	fd := sealable(t)
	peer := spawnShm(t, proc.PeerSpec{}, fd)
	peer.Must(t, "ok", "seal 0 %d", unix.F_SEAL_SHRINK)
	requireSeals(t, fd, unix.F_SEAL_SHRINK)

	const seals = unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL
	mustSeal(t, fd, seals)
	peer.Must(t, strconv.Itoa(seals), "seals 0")
	peer.Must(t, "EPERM", "pwrite 0 0 peer")
	peer.Must(t, "EPERM", "truncate 0 0")
	peer.Must(t, "EPERM", "truncate 0 %d", 2*pageSize)
	peer.Must(t, "EPERM", "map 0 %d %d %d", pageSize, rw, unix.MAP_SHARED)
	peer.Must(t, "EPERM", "seal 0 %d", unix.F_SEAL_FUTURE_WRITE)
}
