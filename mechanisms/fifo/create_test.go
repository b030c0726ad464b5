package fifo

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// withUmask sets the process umask for the test and restores it after.
func withUmask(t *testing.T, mask int) {
	old := unix.Umask(mask)
	t.Cleanup(func() { unix.Umask(old) })
}

func requireFIFOMode(t *testing.T, path string, want uint32) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		t.Fatalf("lstat %s: %s", path, sys.ErrnoName(err))
	}
	if st.Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Fatalf("%s: file type %#o, want S_IFIFO (%#o)", path, st.Mode&unix.S_IFMT, unix.S_IFIFO)
	}
	if got := st.Mode & 0o7777; got != want {
		t.Fatalf("%s: mode %#o, want %#o", path, got, want)
	}
}

// mkfifo(3) makes an S_IFIFO file whose permissions are mode & ~umask, and
// mknod(2) with S_IFIFO does the same.
func TestMkfifoMakesFIFOWithModeMaskedByUmask(t *testing.T) {
	withUmask(t, 0o027)
	dir := proc.Dir(t)

	byMkfifo := filepath.Join(dir, "mkfifo")
	if err := unix.Mkfifo(byMkfifo, 0o777); err != nil {
		t.Fatalf("mkfifo: %s", sys.ErrnoName(err))
	}
	requireFIFOMode(t, byMkfifo, 0o750)

	byMknod := filepath.Join(dir, "mknod")
	if err := unix.Mknod(byMknod, unix.S_IFIFO|0o666, 0); err != nil {
		t.Fatalf("mknod S_IFIFO: %s", sys.ErrnoName(err))
	}
	requireFIFOMode(t, byMknod, 0o640)
}

// mkfifo fails with EEXIST whatever the path already names, including a
// dangling symlink, which it does not follow.
func TestMkfifoOnExistingPathFailsEEXIST(t *testing.T) {
	t.Run("over a FIFO", func(t *testing.T) {
		fifo := newFIFO(t, 0o600)
		sys.RequireErrno(t, unix.Mkfifo(fifo, 0o644), unix.EEXIST, "mkfifo over a FIFO")
		requireFIFOMode(t, fifo, 0o600) // the existing FIFO is left as it was
	})
	t.Run("over a regular file", func(t *testing.T) {
		file := filepath.Join(proc.Dir(t), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		sys.RequireErrno(t, unix.Mkfifo(file, 0o600), unix.EEXIST, "mkfifo over a regular file")
	})
	t.Run("over a directory", func(t *testing.T) {
		sys.RequireErrno(t, unix.Mkfifo(proc.Dir(t), 0o600), unix.EEXIST, "mkfifo over a directory")
	})
	t.Run("over a dangling symlink, not followed", func(t *testing.T) {
		dir := proc.Dir(t)
		link, target := filepath.Join(dir, "link"), filepath.Join(dir, "nowhere")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		sys.RequireErrno(t, unix.Mkfifo(link, 0o600), unix.EEXIST, "mkfifo over a dangling symlink")
		if _, err := os.Lstat(target); !os.IsNotExist(err) {
			t.Fatalf("mkfifo over a dangling symlink made its target: lstat: %v", err)
		}
	})
}

// Two processes, neither the parent of the other, talk through a FIFO that
// each opens by its name; the test process never opens it.
func TestUnrelatedProcessesTalkThroughFIFOByName(t *testing.T) {
	path := newFIFO(t, 0o600)
	reader, writer := spawnPeer(t, proc.PeerSpec{}), spawnPeer(t, proc.PeerSpec{})
	for _, p := range []fifoPeer{reader, writer} {
		ppid, err := strconv.Atoi(p.Ask(t, "ppid"))
		if err != nil || ppid != os.Getpid() {
			t.Fatalf("peer %d: parent %d (%v), want the test process %d", p.Pid, ppid, err, os.Getpid())
		}
	}
	if reader.Pid == writer.Pid {
		t.Fatalf("reader and writer are the same process %d", reader.Pid)
	}

	// Both opens block until the other arrives: start the reader's first.
	reader.startOpen(t, path, "r")
	writer.open(t, path, "w")
	reader.Expect(t, "ok") // its open returned

	writer.Must(t, "13", "write hello-by-name")
	writer.Send(t, "exit")
	writer.RequireExit(t, 0)
	reader.Must(t, "hello-by-name", "read 64")
	reader.Must(t, "EOF", "read 64") // the only writer has exited
	reader.Send(t, "exit")
	reader.RequireExit(t, 0)
}
