package posixshm

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

// POSIX shared memory rows, named apart: each carries messages through a
// shmring.Ring per direction in shared memory. The spin and futex variants
// use an object of /dev/shm that the peer opens by name, as shm_open(3)
// does; the eventfd variant uses a memfd, which the peer gets as a file
// descriptor, and sleeps on eventfds passed the same way.
var (
	// SpinTransport busy-polls: it burns a CPU on each side and runs only
	// with the two processes on separate CPUs.
	SpinTransport = table.Transport{
		Name:      "posixshm-spin",
		MaxSize:   shmring.RowMaxSize,
		StreamMax: shmring.RowStreamMax,
		Spins:     true,
		Open:      func(t testing.TB) (table.Endpoint, proc.PeerSpec) { return ringOpenNamed(t, false) },
		Attach:    ringAttach,
	}
	// FutexTransport sleeps in FUTEX_WAIT on the ring's words and is
	// woken by FUTEX_WAKE from the other side.
	FutexTransport = table.Transport{
		Name:      "posixshm-futex",
		MaxSize:   shmring.RowMaxSize,
		StreamMax: shmring.RowStreamMax,
		Open:      func(t testing.TB) (table.Endpoint, proc.PeerSpec) { return ringOpenNamed(t, true) },
		Attach:    ringAttach,
	}
	// EventfdTransport sleeps in read(2) on an eventfd and is woken by the
	// other side's write(2) to it.
	EventfdTransport = table.Transport{
		Name:      "posixshm-eventfd",
		MaxSize:   shmring.RowMaxSize,
		StreamMax: shmring.RowStreamMax,
		Open:      ringOpenMemfd,
		Attach:    ringAttach,
	}
)

func init() {
	table.Register(SpinTransport)
	table.Register(FutexTransport)
	table.Register(EventfdTransport)
}

const (
	// ringShmDir is where Linux keeps POSIX shared memory objects: what
	// shm_open(3) opens.
	ringShmDir = "/dev/shm"
)

func ringBytes() int { return shmring.RowPairSize() }

// Eventfds of the eventfd variant, as handed to the peer after the memfd:
// data and space for each direction.
const (
	efdToPeerData = iota
	efdToPeerSpace
	efdToTestData
	efdToTestSpace
	nEfds
)

// rings lays the two directions over mem. efds, if not nil, are the
// eventfds the rings sleep on.
func rings(mem []byte, futex bool, efds []int, parent int, inPeer bool) (tx, rx *shmring.Ring, err error) {
	cfg := func(data, space int) shmring.Config {
		c := shmring.RowConfig(parent)
		c.Futex = futex
		if efds != nil {
			c.Data, c.Space = newEventBell(efds[data]), newEventBell(efds[space])
		}
		return c
	}
	return shmring.NewPair(mem, cfg(efdToPeerData, efdToPeerSpace), cfg(efdToTestData, efdToTestSpace), inPeer)
}

// ringOpenNamed creates an object of /dev/shm under the suite's prefix
// (removed when the test ends, and by the next run's sweep if this one is
// killed), sizes and maps it, and hands the peer its name.
func ringOpenNamed(t testing.TB, futex bool) (table.Endpoint, proc.PeerSpec) {
	t.Helper()
	name := proc.Name()
	path := filepath.Join(ringShmDir, name)
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		t.Fatalf("shm_open %s: %s", name, sys.ErrnoName(err))
	}
	t.Cleanup(func() { unix.Unlink(path) })
	defer unix.Close(fd) // the mapping outlives the descriptor
	ep := ringMapFd(t, fd, futex, nil)
	return ep, proc.PeerSpec{Args: []string{"shm=" + name, fmt.Sprintf("futex=%t", futex)}}
}

// ringOpenMemfd makes a memfd and the eventfds, maps the memfd, and hands
// the peer all of them.
func ringOpenMemfd(t testing.TB) (table.Endpoint, proc.PeerSpec) {
	t.Helper()
	fd, err := unix.MemfdCreate(proc.Prefix+"ring", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatalf("memfd_create: %s", sys.ErrnoName(err))
	}
	files := []int{sys.Own(t, fd)}
	for range nEfds {
		efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
		if err != nil {
			t.Fatalf("eventfd: %s", sys.ErrnoName(err))
		}
		files = append(files, sys.Own(t, efd))
	}
	ep := ringMapFd(t, fd, false, files[1:])
	return ep, proc.PeerSpec{Files: files, Args: []string{"memfd=1"}}
}

// ringMapFd sizes the shared memory behind fd, maps it and lays the rings.
func ringMapFd(t testing.TB, fd int, futex bool, efds []int) table.Endpoint {
	t.Helper()
	if err := unix.Ftruncate(fd, int64(ringBytes())); err != nil {
		t.Fatalf("ftruncate: %s", sys.ErrnoName(err))
	}
	mem, err := shmring.MapShared(fd, ringBytes())
	if err != nil {
		t.Fatalf("mmap: %s", sys.ErrnoName(err))
	}
	tx, rx, err := rings(mem, futex, efds, 0, false)
	if err != nil {
		unix.Munmap(mem)
		t.Fatal(err)
	}
	ep := shmring.NewEndpoint(tx, rx, func() error { return unix.Munmap(mem) })
	// Registered before the peer exists, so it runs after the peer has
	// been reaped; PeerGone, which may come later still, then does nothing.
	t.Cleanup(func() { ep.Release() })
	return ep
}

// ringAttach is the peer's side: open the object by name, or take the
// memfd and eventfds it was handed, and map it.
func ringAttach(args []string) (table.Endpoint, error) {
	m := stream.RoleArgs(args)
	var fd int
	var efds []int
	if m["memfd"] != "" {
		fd = proc.PeerFD(0)
		for i := range nEfds {
			efds = append(efds, proc.PeerFD(1+i))
		}
	} else {
		var err error
		if fd, err = unix.Open(filepath.Join(ringShmDir, m["shm"]), unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0); err != nil {
			return nil, fmt.Errorf("shm_open %q: %w", m["shm"], err)
		}
		defer unix.Close(fd)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Size < int64(ringBytes()) {
		return nil, fmt.Errorf("posixshm ring: %d bytes, %v; want %d", st.Size, err, ringBytes())
	}
	mem, err := shmring.MapShared(fd, ringBytes())
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	tx, rx, err := rings(mem, m["futex"] == "true", efds, proc.ParentPid(), true)
	if err != nil {
		return nil, err
	}
	// The peer's mapping goes when it exits.
	return shmring.NewEndpoint(tx, rx, nil), nil
}

// An eventBell is a shmring.Doorbell on an eventfd: Ring adds 1 to its
// counter, Wait reads (and so zeroes) the counter, sleeping while it is 0.
// Rings before a Wait add up, so none is lost; several make one Wait
// return, which is all a ring needs.
type eventBell struct {
	fd   int
	one  [8]byte // written by Ring, never changed
	read [8]byte // Wait's buffer
}

func newEventBell(fd int) *eventBell {
	b := &eventBell{fd: fd}
	b.one[0] = 1 // a native-endian 1 on the little-endian machines the suite runs on
	return b
}

func (b *eventBell) Ring() error {
	_, err := sys.Write(b.fd, b.one[:])
	return err
}

func (b *eventBell) Wait() error {
	_, err := sys.Read(b.fd, b.read[:])
	return err
}
