package posixshm

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// shm_open with O_CREAT|O_EXCL fails with EEXIST on a name that exists, in
// the process that made it and in any other; without O_EXCL another
// process opens the same object (same inode).
func TestExclusiveCreateOfAnExistingNameIsEEXIST(t *testing.T) {
	name, fd := newObject(t, 0o600, pageSize)
	_, ino := fstat(t, fd)
	again, err := Open(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
	if err == nil {
		sys.Own(t, again)
	}
	sys.RequireErrno(t, err, unix.EEXIST, "shm_open(O_CREAT|O_EXCL) of an existing name")

	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "EEXIST", "open %s %#x 0600", name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR)
	peer.Must(t, "ok", "open %s %#x 0600", name, unix.O_CREAT|unix.O_RDWR)
	peer.Must(t, stat(int64(pageSize), ino), "stat 0")
}

// shm_unlink removes the name at once, for every process (ENOENT on open,
// and a new object may take the name), while the mappings made before
// stay alive and shared: two processes still see each other's writes.
func TestUnlinkWhileMappedKeepsTheMappingAndRemovesTheName(t *testing.T) {
	name, fd := newObject(t, 0o600, pageSize)
	mem := mustMap(t, fd, pageSize, rw, unix.MAP_SHARED)
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "open %s %#x 0", name, unix.O_RDWR)
	peer.Must(t, "ok", "map 0 %d %d %d", pageSize, rw, unix.MAP_SHARED)
	if err := sys.Close(fd); err != nil {
		t.Fatalf("close: %s", sys.ErrnoName(err))
	}

	if err := Unlink(name); err != nil {
		t.Fatalf("shm_unlink(%s): %s", name, sys.ErrnoName(err))
	}
	_, err := Open(name, unix.O_RDWR, 0)
	sys.RequireErrno(t, err, unix.ENOENT, "shm_open of the unlinked name")
	peer.Must(t, "ENOENT", "open %s %#x 0", name, unix.O_RDWR)

	peer.Must(t, "ok", "write 0 0 peer-after-unlink")
	if got := string(mem[:17]); got != "peer-after-unlink" {
		t.Fatalf("after shm_unlink the test's mapping reads %q, want the peer's write", got)
	}
	copy(mem[100:], "test-after-unlink")
	peer.Must(t, "test-after-unlink", "read 0 100 17")

	fresh := newObjectNamed(t, name)
	if size, _ := fstat(t, fresh); size != 0 {
		t.Fatalf("a new object under the unlinked name has size %d, want 0 (a new object)", size)
	}
}

// newObjectNamed makes a fresh object under name with O_CREAT|O_EXCL.
func newObjectNamed(t *testing.T, name string) int {
	t.Helper()
	unlinkAtEnd(t, name)
	fd, err := Open(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("shm_open(%s, O_CREAT|O_EXCL|O_RDWR): %s", name, sys.ErrnoName(err))
	}
	return sys.Own(t, fd)
}

// A new object takes shm_open's mode less the process's umask, like any
// file.
func TestNewObjectModeIsTheModeLessTheUmask(t *testing.T) {
	umask := processUmask(t)
	_, fd := newObject(t, 0o666, 0)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatalf("fstat: %s", sys.ErrnoName(err))
	}
	if got, want := st.Mode&0o7777, uint32(0o666)&^umask; got != want {
		t.Fatalf("shm_open(O_CREAT, 0666) under umask %#o made mode %#o, want %#o", umask, got, want)
	}
}

// processUmask reads the umask from /proc/self/status (Linux 4.7), which
// unlike umask(2) does not change it.
func processUmask(t *testing.T) uint32 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatalf("read /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
			if err != nil {
				t.Fatalf("Umask line %q: %v", line, err)
			}
			return uint32(n)
		}
	}
	t.Skipf("/proc/self/status has no Umask line (Linux 4.7) on %s", sys.KernelRelease())
	return 0
}

// A process of another uid opens an object only for the access its mode
// grants to others, and gets EACCES otherwise (the object is a file in a
// tmpfs); root, which bypasses the check, makes the object and sets its
// mode.
func TestOtherUIDGetsEACCESAsTheModeSays(t *testing.T) {
	cred := sys.OtherUID(t)
	peer := spawnShm(t, proc.PeerSpec{Credential: cred})
	for _, c := range []struct {
		mode         uint32
		rd, wr, rdwr string
	}{
		{0o600, "EACCES", "EACCES", "EACCES"},
		{0o604, "ok", "EACCES", "EACCES"},
		{0o602, "EACCES", "ok", "EACCES"},
		{0o606, "ok", "ok", "ok"},
	} {
		t.Run("mode_"+strconv.FormatUint(uint64(c.mode), 8), func(t *testing.T) {
			name, fd := newObject(t, 0o600, pageSize)
			if err := unix.Fchmod(fd, c.mode); err != nil {
				t.Fatalf("fchmod(%#o): %s", c.mode, sys.ErrnoName(err))
			}
			for _, o := range []struct {
				flags int
				name  string
				want  string
			}{{unix.O_RDONLY, "O_RDONLY", c.rd}, {unix.O_WRONLY, "O_WRONLY", c.wr}, {unix.O_RDWR, "O_RDWR", c.rdwr}} {
				if got := peer.Ask(t, "open %s %#x 0", name, o.flags); got != o.want {
					t.Errorf("uid %d: shm_open(%s) of an object of mode %#o: %s, want %s", cred.Uid, o.name, c.mode, got, o.want)
				}
			}
		})
	}
}

// ftruncate sizes an object (a new one has size 0), and every process sees
// the size its fstat reports, whichever process set it; the pages up to the
// new size map and share.
func TestFtruncateSizesTheObjectForEveryProcess(t *testing.T) {
	name, fd := newObject(t, 0o600, 0)
	size, ino := fstat(t, fd)
	if size != 0 {
		t.Fatalf("a new object has size %d, want 0", size)
	}
	mustTruncate(t, fd, 3*pageSize)
	if size, _ := fstat(t, fd); size != int64(3*pageSize) {
		t.Fatalf("after ftruncate to %d fstat says %d", 3*pageSize, size)
	}
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "open %s %#x 0", name, unix.O_RDWR)
	peer.Must(t, stat(int64(3*pageSize), ino), "stat 0")

	peer.Must(t, "ok", "truncate 0 %d", 5*pageSize)
	if size, _ := fstat(t, fd); size != int64(5*pageSize) {
		t.Fatalf("after the peer's ftruncate to %d the test's fstat says %d", 5*pageSize, size)
	}
	peer.Must(t, "ok", "map 0 %d %d %d", 5*pageSize, rw, unix.MAP_SHARED)
	peer.Must(t, "ok", "write 0 %d last-page", 4*pageSize)
	if got := pread(t, fd, int64(4*pageSize), 9); got != "last-page" {
		t.Fatalf("read(2) of the last page gives %q, want the peer's write", got)
	}
}
