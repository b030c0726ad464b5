package mmap

import (
	"fmt"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/shmring"
	"github.com/ipcsuite/ipcsuite/helpers/stream"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// The classic table's "Memory-Mapped Files" row, in two variants named
// apart: both carry messages through a file in the run's directory that
// each process opens by its path and maps MAP_SHARED, holding a
// shmring.Ring per direction; they differ in how a side waits for the
// other.
var (
	// SpinTransport busy-polls: it burns a CPU on each side and runs only
	// with the two processes on separate CPUs.
	SpinTransport = table.Transport{
		Name:      "mmap-spin",
		MaxSize:   shmring.RowMaxSize,
		StreamMax: shmring.RowStreamMax,
		Spins:     true,
		Open:      func(t testing.TB) (table.Endpoint, proc.PeerSpec) { return ringOpen(t, false) },
		Attach:    ringAttach,
	}
	// FutexTransport sleeps in FUTEX_WAIT on the ring's words in the
	// mapped file (a shared futex: the key is the file's page, not the
	// address) and is woken by FUTEX_WAKE from the other side.
	FutexTransport = table.Transport{
		Name:      "mmap-futex",
		MaxSize:   shmring.RowMaxSize,
		StreamMax: shmring.RowStreamMax,
		Open:      func(t testing.TB) (table.Endpoint, proc.PeerSpec) { return ringOpen(t, true) },
		Attach:    ringAttach,
	}
)

func init() {
	table.Register(SpinTransport)
	table.Register(FutexTransport)
}

func ringFileSize() int { return shmring.RowPairSize() }

func ringConfig(futex bool, parent int) shmring.Config {
	cfg := shmring.RowConfig(parent)
	cfg.Futex = futex
	return cfg
}

// ringOpen creates the file in a directory of the run (removed when the
// test ends, and by the next run's sweep if this one is killed), sizes and
// maps it, and hands the peer its path.
func ringOpen(t testing.TB, futex bool) (table.Endpoint, proc.PeerSpec) {
	t.Helper()
	path := filepath.Join(proc.Dir(t), "ring")
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatalf("create %s: %s", path, sys.ErrnoName(err))
	}
	defer unix.Close(fd) // the mapping outlives the descriptor
	if err := unix.Ftruncate(fd, int64(ringFileSize())); err != nil {
		t.Fatalf("ftruncate %s: %s", path, sys.ErrnoName(err))
	}
	mem, err := shmring.MapShared(fd, ringFileSize())
	if err != nil {
		t.Fatalf("mmap %s: %s", path, sys.ErrnoName(err))
	}
	cfg := ringConfig(futex, 0)
	tx, rx, err := shmring.NewPair(mem, cfg, cfg, false)
	if err != nil {
		unix.Munmap(mem)
		t.Fatal(err)
	}
	ep := shmring.NewEndpoint(tx, rx, func() error { return unix.Munmap(mem) })
	// Registered before the peer exists, so it runs after the peer has
	// been reaped; PeerGone, which may come later still, then does nothing.
	t.Cleanup(func() { ep.Release() })
	return ep, proc.PeerSpec{Args: []string{"file=" + path, fmt.Sprintf("futex=%t", futex)}}
}

// ringAttach is the peer's side: open the file by its path and map it.
func ringAttach(args []string) (table.Endpoint, error) {
	m := stream.RoleArgs(args)
	fd, err := unix.Open(m["file"], unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", m["file"], err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Size < int64(ringFileSize()) {
		return nil, fmt.Errorf("mmap ring file %q: %d bytes, %v; want %d", m["file"], st.Size, err, ringFileSize())
	}
	mem, err := shmring.MapShared(fd, ringFileSize())
	if err != nil {
		return nil, fmt.Errorf("mmap %q: %w", m["file"], err)
	}
	cfg := ringConfig(m["futex"] == "true", proc.ParentPid())
	tx, rx, err := shmring.NewPair(mem, cfg, cfg, true)
	if err != nil {
		return nil, err
	}
	// The peer's mapping goes when it exits.
	return shmring.NewEndpoint(tx, rx, nil), nil
}
