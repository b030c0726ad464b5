package zerocopy

// copy_file_range(2): the kernel copies a range of one file into another
// without a trip through the caller's memory.

import (
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// copyRange is copy_file_range; a kernel without the call (ENOSYS) skips
// the test if older than 4.5 and fails it otherwise.
func copyRange(t testing.TB, in int, offIn *int64, out int, offOut *int64, n, flags int) (int, error) {
	t.Helper()
	got, err := unix.CopyFileRange(in, offIn, out, offOut, n, flags)
	if err == unix.ENOSYS {
		sys.RequireFeature(t, "4.5", "copy_file_range", err, unix.ENOSYS)
	}
	return got, err
}

// requireFileHolds fails unless fd holds size bytes, zeros before at and
// the stream's bytes from from at at.
func requireFileHolds(t testing.TB, fd int, size, at int, from int64) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatalf("fstat: %s", sys.ErrnoName(err))
	}
	if st.Size != int64(size) {
		t.Fatalf("the copy's file is %d bytes, want %d", st.Size, size)
	}
	buf := make([]byte, size)
	if n, err := unix.Pread(fd, buf, 0); err != nil || n != size {
		t.Fatalf("pread of the copy: got %s, want %d bytes", sys.Result{N: n, Err: err}, size)
	}
	for i, b := range buf[:at] {
		if b != 0 {
			t.Fatalf("byte %d, before the copied range, is %d, want 0", i, b)
		}
	}
	if i := Mismatch(buf[at:], from); i >= 0 {
		t.Fatalf("byte %d of the copy is %d, want the stream's byte at %d", at+i, buf[at+i], from+int64(i))
	}
}

// newFile makes an empty file next to src's and returns an fd for it.
func newFile(t testing.TB, dir, name string) int {
	t.Helper()
	return openFile(t, filepath.Join(dir, name), unix.O_RDWR|unix.O_CREAT|unix.O_EXCL)
}

// With offset pointers, copy_file_range copies from *off_in to *off_out,
// advances both by the count, and leaves both file offsets where they
// were; the copy holds the source's bytes at the target offset.
func TestCopyFileRangeWithOffsetsAdvancesThemAndLeavesFileOffsets(t *testing.T) {
	dir := proc.Dir(t)
	src := streamFile(t, dir, 3*page+123)
	dst := newFile(t, dir, "copy")
	seek(t, src, 7)
	seek(t, dst, 3)
	offIn, offOut := int64(100), int64(50)
	n, err := copyRange(t, src, &offIn, dst, &offOut, 5000, 0)
	requireCount(t, "copy_file_range of 5000 bytes", n, err, 5000)
	requireOffset(t, "off_in after the copy", offIn, 5100)
	requireOffset(t, "off_out after the copy", offOut, 5050)
	requireOffset(t, "the source's file offset", fileOffset(t, src), 7)
	requireOffset(t, "the target's file offset", fileOffset(t, dst), 3)
	requireFileHolds(t, dst, 5050, 50, 100)
}

// Without offset pointers, copy_file_range reads and writes at the file
// offsets and advances both.
func TestCopyFileRangeWithoutOffsetsAdvancesFileOffsets(t *testing.T) {
	dir := proc.Dir(t)
	src := streamFile(t, dir, 3*page+123)
	dst := newFile(t, dir, "copy")
	seek(t, src, 100)
	seek(t, dst, 50)
	n, err := copyRange(t, src, nil, dst, nil, 5000, 0)
	requireCount(t, "copy_file_range of 5000 bytes", n, err, 5000)
	requireOffset(t, "the source's file offset", fileOffset(t, src), 5100)
	requireOffset(t, "the target's file offset", fileOffset(t, dst), 5050)
	requireFileHolds(t, dst, 5050, 50, 100)
}

// Asked for more than is left, copy_file_range copies to the end of the
// source, then returns 0 there. Before 5.3 a range past the end was EINVAL.
func TestCopyFileRangeStopsAtEndOfFile(t *testing.T) {
	sys.RequireKernel(t, "5.3", "a copy past the source's end was EINVAL before the 5.3 rework")
	dir := proc.Dir(t)
	size := 3*page + 123
	src := streamFile(t, dir, size)
	dst := newFile(t, dir, "copy")
	offIn, offOut := int64(size-300), int64(0)
	n, err := copyRange(t, src, &offIn, dst, &offOut, 1000, 0)
	requireCount(t, "copy_file_range of 1000 bytes with 300 left", n, err, 300)
	n, err = copyRange(t, src, &offIn, dst, &offOut, 1000, 0)
	requireCount(t, "copy_file_range at the end of the source", n, err, 0)
	requireOffset(t, "off_in at the end", offIn, int64(size))
	requireFileHolds(t, dst, 300, 0, int64(size-300))
}

// What copy_file_range refuses, each with its own errno.
func TestCopyFileRangeArgumentErrors(t *testing.T) {
	dir := proc.Dir(t)
	src := streamFile(t, dir, 3*page)
	dst := newFile(t, dir, "copy")
	appendOnly := openFile(t, filepath.Join(dir, "copy"), unix.O_WRONLY|unix.O_APPEND)
	readOnly := openFile(t, filepath.Join(dir, "copy"), unix.O_RDONLY)
	directory := openFile(t, dir, unix.O_RDONLY|unix.O_DIRECTORY)
	r, _ := sys.Pipe(t, 0)
	cases := []struct {
		name    string
		since   string // the kernel that checks it, when later than the call
		in, out int
		offOut  int64
		flags   int
		want    unix.Errno
	}{
		{name: "flags_other_than_0_are_EINVAL", in: src, out: dst, flags: 1, want: unix.EINVAL},
		{name: "overlapping_ranges_of_one_file_are_EINVAL", since: "5.3", in: src, out: src, offOut: 100, want: unix.EINVAL},
		{name: "a_pipe_is_EINVAL", in: r, out: dst, want: unix.EINVAL},
		{name: "a_directory_is_EISDIR", in: directory, out: dst, want: unix.EISDIR},
		{name: "an_O_APPEND_target_is_EBADF", in: src, out: appendOnly, want: unix.EBADF},
		{name: "a_read_only_target_is_EBADF", in: src, out: readOnly, want: unix.EBADF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.since != "" {
				sys.RequireKernel(t, c.since, "the check came with the 5.3 rework")
			}
			offIn, offOut := int64(0), c.offOut
			n, err := copyRange(t, c.in, &offIn, c.out, &offOut, page, c.flags)
			if err == nil {
				t.Fatalf("copy_file_range copied %d bytes, want %s", n, sys.ErrnoName(c.want))
			}
			sys.RequireErrno(t, err, c.want, "copy_file_range")
		})
	}
}

// Linux 5.3 let copy_file_range copy between any two filesystems, through
// a generic in-kernel copy where the filesystems had none of their own;
// 5.19 took that back (and stable kernels took the change back too): a
// copy between two filesystems that do not implement it themselves is
// EXDEV again, as it was before 5.3. The test copies from the run's
// directory to /dev/shm (tmpfs), once statfs shows them to be two
// filesystems; neither the disk filesystems nor tmpfs copy across
// filesystems themselves.
func TestCopyFileRangeAcrossFilesystems(t *testing.T) {
	sys.RequireKernel(t, "5.19", "5.3 to 5.18 copied across filesystems through a generic copy, and whether an older kernel has the stable backport of the 5.19 rule depends on its release, not its version")
	dir, shm := proc.Dir(t), "/dev/shm"
	var here, there unix.Stat_t
	var hereFS, thereFS unix.Statfs_t
	for _, err := range []error{unix.Stat(dir, &here), unix.Stat(shm, &there), unix.Statfs(dir, &hereFS), unix.Statfs(shm, &thereFS)} {
		if err != nil {
			t.Fatalf("stat and statfs of %s and %s: %s", dir, shm, sys.ErrnoName(err))
		}
	}
	if here.Dev == there.Dev {
		t.Skipf("%s and %s are one filesystem (device %#x)", dir, shm, here.Dev)
	}
	if !noCrossCopy[hereFS.Type] || !noCrossCopy[thereFS.Type] {
		t.Skipf("filesystem types %#x and %#x: one may copy across filesystems itself", hereFS.Type, thereFS.Type)
	}
	src := streamFile(t, dir, 3*page)
	target := filepath.Join(shm, proc.Name())
	dst := openFile(t, target, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL)
	t.Cleanup(func() { unix.Unlink(target) })
	offIn, offOut := int64(0), int64(0)
	n, err := copyRange(t, src, &offIn, dst, &offOut, page, 0)
	if err == nil {
		t.Fatalf("copy_file_range across filesystems copied %d bytes, want EXDEV", n)
	}
	sys.RequireErrno(t, err, unix.EXDEV, "copy_file_range from the run's directory to /dev/shm")
}

// noCrossCopy lists the filesystem types (statfs f_type) that have no
// copy_file_range of their own, so that a copy between two of them is the
// kernel's generic one or EXDEV.
var noCrossCopy = map[int64]bool{
	unix.EXT4_SUPER_MAGIC:  true, // ext2, ext3 and ext4 share it
	unix.TMPFS_MAGIC:       true,
	unix.RAMFS_MAGIC:       true,
	unix.BTRFS_SUPER_MAGIC: true, // clones within one filesystem only
	unix.XFS_SUPER_MAGIC:   true, // clones within one filesystem only
}
