package fifo

// Making FIFOs: mknodat relative to a directory fd, without privilege, the
// errors of bad paths and bad types, and the group a setgid directory
// gives.

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// lstatFIFO fails unless path is a FIFO, and returns its stat.
func lstatFIFO(t *testing.T, path string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		t.Fatalf("lstat %s: %s", path, sys.ErrnoName(err))
	}
	if st.Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Fatalf("%s: file type %#o, want S_IFIFO", path, st.Mode&unix.S_IFMT)
	}
	return st
}

// mknodat resolves a relative name from the directory fd, not from the
// working directory: the FIFO appears in that directory and not in the
// working directory.
func TestMknodatMakesFIFORelativeToDirectoryFd(t *testing.T) {
	dir := proc.Dir(t)
	dfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open %s: %s", dir, sys.ErrnoName(err))
	}
	sys.Own(t, dfd)
	name := "at-" + strconv.Itoa(os.Getpid())
	if err := unix.Mknodat(dfd, name, unix.S_IFIFO|0o600, 0); err != nil {
		t.Fatalf("mknodat(dirfd, %q, S_IFIFO): %s", name, sys.ErrnoName(err))
	}
	lstatFIFO(t, filepath.Join(dir, name))
	if cwd, err := os.Getwd(); err == nil && cwd != dir {
		if _, err := os.Lstat(filepath.Join(cwd, name)); !os.IsNotExist(err) {
			t.Fatalf("mknodat made %s in the working directory too (%v)", name, err)
		}
	}
}

// A FIFO needs no CAP_MKNOD: an unprivileged user makes one, where the same
// call for a character device, which does need it, is EPERM (the control
// that the peer really lacks the capability). The device is /dev/null's
// numbers: device 0 would be an overlayfs whiteout, which needs no
// privilege either.
func TestMakingAFIFONeedsNoCapMknod(t *testing.T) {
	cred := sys.OtherUID(t)
	dir := filepath.Join(proc.Dir(t), "open")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	other := spawnPeer(t, proc.PeerSpec{Credential: cred})
	fifo := filepath.Join(dir, "fifo")
	other.Must(t, "ok", "mknod %s %#o 0", fifo, unix.S_IFIFO|0o600)
	if st := lstatFIFO(t, fifo); st.Uid != sys.OtherUser {
		t.Fatalf("FIFO made by uid %d is owned by uid %d", sys.OtherUser, st.Uid)
	}
	other.Must(t, "EPERM", "mknod %s %#o %#x", filepath.Join(dir, "chr"), unix.S_IFCHR|0o600, unix.Mkdev(1, 3))
}

func TestMknodFIFOPathErrors(t *testing.T) {
	dir := proc.Dir(t)
	file := filepath.Join(dir, "regular")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		rule string
		path string
		want unix.Errno
	}{
		{"a missing directory on the path is ENOENT", filepath.Join(dir, "missing", "f"), unix.ENOENT},
		{"an empty path is ENOENT", "", unix.ENOENT},
		{"a name longer than NAME_MAX is ENAMETOOLONG", filepath.Join(dir, strings.Repeat("n", 256)), unix.ENAMETOOLONG},
		{"a path longer than PATH_MAX is ENAMETOOLONG", dir + strings.Repeat("/d", unix.PathMax/2), unix.ENAMETOOLONG},
		{"a regular file used as a directory is ENOTDIR", filepath.Join(file, "f"), unix.ENOTDIR},
	} {
		t.Run(c.rule, func(t *testing.T) {
			sys.RequireErrno(t, unix.Mknod(c.path, unix.S_IFIFO|0o600, 0), c.want, fmt.Sprintf("mknod(%.60q, S_IFIFO)", c.path))
		})
	}
	// The control: the longest name that fits is fine.
	if err := unix.Mknod(filepath.Join(dir, strings.Repeat("n", 255)), unix.S_IFIFO|0o600, 0); err != nil {
		t.Fatalf("mknod of a FIFO with a 255-byte name: %s", sys.ErrnoName(err))
	}
}

// The file type in mknod's mode must be one mknod makes: bits that name no
// type, and a symbolic link, are EINVAL; a directory is EPERM (mkdir makes
// those).
func TestMknodWithAnInvalidTypeFailsEINVAL(t *testing.T) {
	dir := proc.Dir(t)
	for _, c := range []struct {
		rule string
		typ  uint32
		want unix.Errno
	}{
		{"type bits that name no type are EINVAL", 0o030000, unix.EINVAL},
		{"all type bits set are EINVAL", unix.S_IFMT, unix.EINVAL},
		{"S_IFLNK is EINVAL", unix.S_IFLNK, unix.EINVAL},
		{"S_IFDIR is EPERM", unix.S_IFDIR, unix.EPERM},
	} {
		t.Run(c.rule, func(t *testing.T) {
			path := filepath.Join(dir, strconv.FormatUint(uint64(c.typ), 8))
			sys.RequireErrno(t, unix.Mknod(path, c.typ|0o600, 0), c.want, fmt.Sprintf("mknod with type %#o", c.typ))
			if _, err := os.Lstat(path); !os.IsNotExist(err) {
				t.Fatalf("the failed mknod left %s behind (%v)", path, err)
			}
		})
	}
}

// In a setgid directory a new FIFO takes the directory's group rather than
// the creator's, and, not being a directory, does not take the setgid bit.
func TestFIFOInSetgidDirectoryTakesTheDirectorysGroup(t *testing.T) {
	sys.RequireCap(t, unix.CAP_CHOWN, "CAP_CHOWN", "the directory is given a group the test process is not in")
	if os.Getegid() == sys.OtherUser {
		t.Skipf("the test runs as gid %d, the group the directory is given", sys.OtherUser)
	}
	dir := filepath.Join(proc.Dir(t), "setgid")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, -1, sys.OtherUser); err != nil {
		t.Fatalf("chown %s to gid %d: %v", dir, sys.OtherUser, err)
	}
	if err := unix.Chmod(dir, unix.S_ISGID|0o755); err != nil {
		t.Fatalf("chmod %s g+s: %s", dir, sys.ErrnoName(err))
	}
	fifo := filepath.Join(dir, "f")
	if err := unix.Mkfifo(fifo, 0o640); err != nil {
		t.Fatalf("mkfifo: %s", sys.ErrnoName(err))
	}
	st := lstatFIFO(t, fifo)
	if st.Gid != sys.OtherUser {
		t.Fatalf("FIFO in a setgid directory of gid %d has gid %d (the creator's is %d)", sys.OtherUser, st.Gid, os.Getegid())
	}
	if st.Mode&unix.S_ISGID != 0 {
		t.Fatalf("FIFO in a setgid directory has mode %#o, want no setgid bit", st.Mode&0o7777)
	}
}
