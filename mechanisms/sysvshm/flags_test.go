package sysvshm

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// SHM_HUGETLB is shmget's huge-page flag (linux/shm.h).
const SHM_HUGETLB = 0o4000

// SHM_EXEC attaches the segment executable, and asks for execute
// permission on it as well as read and write: the test's attach is
// mapped rwx, a plain one rw-; another user gets EACCES on a 0666 segment
// and an executable attach of a 0777 one.
func TestShmExecAttachesExecutableAndNeedsExecutePermission(t *testing.T) {
	id := newSegment(t, pageSize, 0o666)
	execAt, _ := mustAttach(t, id, SHM_EXEC, pageSize)
	plain, _ := mustAttach(t, id, 0, pageSize)
	if _, perms := mappingAt(t, execAt); perms != "rwxs" {
		t.Fatalf("the SHM_EXEC attach is mapped %s, want rwxs", perms)
	}
	if _, perms := mappingAt(t, plain); perms != "rw-s" {
		t.Fatalf("the plain attach is mapped %s, want rw-s", perms)
	}
	other := spawnShm(t, proc.PeerSpec{Credential: sys.OtherUID(t)})
	other.Must(t, "EACCES", "attach %d %d", id, SHM_EXEC)
	other.Must(t, "ok", "attach %d 0", id)
	if err := chmod(id, 0o777); err != nil {
		t.Fatalf("IPC_SET mode 0777: %s", sys.ErrnoName(err))
	}
	other.Must(t, "ok", "attach %d %d", id, SHM_EXEC)
	requireNattch(t, id, 4, "after the test's two attaches and the other user's two")
}

func chmod(id, mode int) error {
	ds, err := Stat(id)
	if err != nil {
		return err
	}
	ds.Perm.Mode = uint32(mode)
	return Set(id, &ds)
}

// hugePageSize reads the default huge page size from /proc/meminfo; a
// kernel without hugetlbfs shows none.
func hugePageSize(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "Hugepagesize:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatalf("/proc/meminfo: %q", line)
			}
			return kb << 10
		}
	}
	t.Skipf("no Hugepagesize in /proc/meminfo: Linux %s has no huge pages", sys.KernelRelease())
	return 0
}

// A SHM_HUGETLB segment needs the privilege to lock memory (man 2 shmget):
// a process without CAP_IPC_LOCK, outside hugetlb_shm_group and with no
// RLIMIT_MEMLOCK to spare gets EPERM. And it needs huge pages: with none
// in the pool and none to overcommit, even root gets ENOMEM.
func TestShmHugetlbNeedsThePrivilegeAndHugePages(t *testing.T) {
	size := hugePageSize(t)
	flags := unix.IPC_CREAT | unix.IPC_EXCL | SHM_HUGETLB | 0o600
	t.Run("without the privilege EPERM", func(t *testing.T) {
		if group := sys.RequireSysctl(t, "vm/hugetlb_shm_group"); group == sys.OtherUser {
			t.Skipf("hugetlb_shm_group is %d, the other user's group", group)
		}
		other := spawnShm(t, proc.PeerSpec{Credential: sys.OtherUID(t)})
		other.Must(t, "ok", "memlock 0")
		if got := other.Ask(t, "get 0 %d %d", size, flags); got != "EPERM" {
			if _, err := strconv.Atoi(got); err == nil {
				removeLater(t, atoiOrFail(t, got))
			}
			t.Fatalf("shmget(SHM_HUGETLB) by uid %d with RLIMIT_MEMLOCK 0: %s, want EPERM", sys.OtherUser, got)
		}
	})
	t.Run("without huge pages ENOMEM", func(t *testing.T) {
		if n, over := sys.RequireSysctl(t, "vm/nr_hugepages"), sys.RequireSysctl(t, "vm/nr_overcommit_hugepages"); n != 0 || over != 0 {
			t.Skipf("the machine has huge pages (nr_hugepages %d, nr_overcommit_hugepages %d)", n, over)
		}
		id, err := Get(unix.IPC_PRIVATE, uint64(size), flags)
		if err == nil {
			removeLater(t, id)
		}
		sys.RequireErrno(t, err, unix.ENOMEM, "shmget(SHM_HUGETLB) with no huge pages")
	})
}
