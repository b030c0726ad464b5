package sysvshm

import (
	"fmt"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/shmring"
	"github.com/ipcsuite/ipcsuite/helpers/stream"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
	"github.com/ipcsuite/ipcsuite/mechanisms/sysvsem"
)

// The classic table's "Shared Memory" row, in variants named apart: all
// carry messages through one SysV segment holding a shmring.Ring per
// direction; they differ in how a side waits for the other.
var (
	// SpinTransport busy-polls the cell's turn word, as the table's
	// original figures did: it burns a CPU on each side and runs only with
	// the two processes on separate CPUs.
	SpinTransport = table.Transport{
		Name:      "sysvshm-spin",
		MaxSize:   shmring.RowMaxSize,
		StreamMax: shmring.RowStreamMax,
		Spins:     true,
		Open:      func(t testing.TB) (table.Endpoint, proc.PeerSpec) { return open(t, waitSpin) },
		Attach:    attach,
	}
	// SemTransport sleeps in semop on a sysvsem.Doorbell and is rung by
	// the other side: a blocking channel whose data never goes through the
	// kernel.
	SemTransport = table.Transport{
		Name:      "sysvshm-sem",
		MaxSize:   shmring.RowMaxSize,
		StreamMax: shmring.RowStreamMax,
		Open:      func(t testing.TB) (table.Endpoint, proc.PeerSpec) { return open(t, waitSem) },
		Attach:    attach,
	}
	// FutexTransport sleeps in FUTEX_WAIT on the ring's own words and is
	// woken by FUTEX_WAKE from the other side, only when it has marked
	// the word it sleeps on.
	FutexTransport = table.Transport{
		Name:      "sysvshm-futex",
		MaxSize:   shmring.RowMaxSize,
		StreamMax: shmring.RowStreamMax,
		Open:      func(t testing.TB) (table.Endpoint, proc.PeerSpec) { return open(t, waitFutex) },
		Attach:    attach,
	}
)

func init() {
	table.Register(SpinTransport)
	table.Register(SemTransport)
	table.Register(FutexTransport)
}

// How a side waits for the other, passed to the peer as wait=...
const (
	waitSpin  = "spin"
	waitSem   = "sem"
	waitFutex = "futex"
)

// Bells of the doorbell set: data and space for each direction.
const (
	bellToPeerData = iota
	bellToPeerSpace
	bellToTestData
	bellToTestSpace
	nBells
)

func segmentSize() int { return shmring.RowPairSize() }

// rings lays the two directions over one mapping.
func rings(mem []byte, wait string, bells *sysvsem.Doorbell, parent int, inPeer bool) (tx, rx *shmring.Ring, err error) {
	cfg := func(data, space int) shmring.Config {
		c := shmring.RowConfig(parent)
		c.Futex = wait == waitFutex
		if bells != nil {
			c.Data, c.Space = bells.Bell(data), bells.Bell(space)
		}
		return c
	}
	return shmring.NewPair(mem, cfg(bellToPeerData, bellToPeerSpace), cfg(bellToTestData, bellToTestSpace), inPeer)
}

// open makes the doorbell (for the blocking variant) and the segment,
// attaches it, and hands the peer their identifiers. The doorbell comes
// first so that no failure leaves the segment attached.
func open(t testing.TB, wait string) (table.Endpoint, proc.PeerSpec) {
	t.Helper()
	args := []string{"wait=" + wait}
	var bells *sysvsem.Doorbell
	if wait == waitSem {
		d := sysvsem.NewDoorbell(t, nBells)
		bells = &d
		args = append(args, "sem="+strconv.Itoa(d.ID))
	}
	size := segmentSize()
	id, err := Get(unix.IPC_PRIVATE, uint64(size), unix.IPC_CREAT|0o600)
	if err != nil {
		t.Fatalf("shmget(IPC_PRIVATE, %d): %s", size, sys.ErrnoName(err))
	}
	t.Cleanup(func() { Remove(id) }) // in case the early removal is not reached
	addr, err := Attach(id, 0, 0)
	if err != nil {
		t.Fatalf("shmat: %s", sys.ErrnoName(err))
	}
	// Marked for removal at once: Linux still lets the peer attach it by
	// id, and the segment goes with the last detach even if the test
	// process dies without running its cleanups.
	if err := Remove(id); err != nil {
		Detach(addr)
		t.Fatalf("shmctl(IPC_RMID): %s", sys.ErrnoName(err))
	}
	tx, rx, err := rings(Bytes(addr, size), wait, bells, 0, false)
	if err != nil {
		Detach(addr)
		t.Fatal(err)
	}
	ep := shmring.NewEndpoint(tx, rx, func() error { return Detach(addr) })
	// Registered before the peer exists, so it runs after the peer has
	// been reaped; PeerGone, which may come later still, then does nothing.
	t.Cleanup(func() { ep.Release() })
	return ep, proc.PeerSpec{Args: append(args, "shm="+strconv.Itoa(id))}
}

// attach is the peer's side: attach the segment by id.
func attach(args []string) (table.Endpoint, error) {
	m := stream.RoleArgs(args)
	id, err := strconv.Atoi(m["shm"])
	if err != nil {
		return nil, fmt.Errorf("sysvshm attach: bad shm=%q", m["shm"])
	}
	var bells *sysvsem.Doorbell
	if s, ok := m["sem"]; ok {
		semID, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("sysvshm attach: bad sem=%q", s)
		}
		bells = &sysvsem.Doorbell{ID: semID}
	}
	size := segmentSize()
	if ds, err := Stat(id); err != nil || ds.Segsz < uint64(size) {
		return nil, fmt.Errorf("sysvshm attach: segment %d: %v bytes, %v; want %d", id, ds.Segsz, err, size)
	}
	addr, err := Attach(id, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("shmat %d: %w", id, err)
	}
	tx, rx, err := rings(Bytes(addr, size), m["wait"], bells, proc.ParentPid(), true)
	if err != nil {
		Detach(addr)
		return nil, err
	}
	// The peer's mapping goes when it exits.
	return shmring.NewEndpoint(tx, rx, nil), nil
}
