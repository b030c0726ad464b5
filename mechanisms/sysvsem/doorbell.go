package sysvsem

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/shmring"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A Doorbell is a set of SysV semaphores that two processes use to wake
// each other: Ring(i) adds 1 to semaphore i, Wait(i) takes 1 from it,
// sleeping while it is 0. Rings are counted, so a Ring before the Wait is
// not lost. The set's identifier is all another process needs.
type Doorbell struct{ ID int }

// NewDoorbell makes a private set of n bells for the test, removed when
// the test ends.
func NewDoorbell(t testing.TB, n int) Doorbell {
	t.Helper()
	id, err := Get(unix.IPC_PRIVATE, n, unix.IPC_CREAT|0o600)
	if err != nil {
		t.Fatalf("semget(IPC_PRIVATE, %d): %s", n, sys.ErrnoName(err))
	}
	t.Cleanup(func() { Remove(id) })
	return Doorbell{ID: id}
}

// Ring adds 1 to bell i.
func (d Doorbell) Ring(i int) error { return d.op(i, 1) }

// Wait takes 1 from bell i, sleeping until it can.
func (d Doorbell) Wait(i int) error { return d.op(i, -1) }

// op is one semop, retried on EINTR; in a benchmark loop's raw mode
// (sys.SetRawIO) it is a raw system call, which spares the runtime's
// syscall entry and exit.
func (d Doorbell) op(i int, delta int16) error {
	return Op(d.ID, Sembuf{Num: uint16(i), Op: delta})
}

// Bell is bell i as a shmring.Doorbell, for shmring.Ring.
func (d Doorbell) Bell(i int) shmring.Doorbell { return bell{d, i} }

type bell struct {
	d Doorbell
	i int
}

func (b bell) Ring() error { return b.d.Ring(b.i) }
func (b bell) Wait() error { return b.d.Wait(b.i) }

func (b bell) String() string { return fmt.Sprintf("semaphore %d of set %d", b.i, b.d.ID) }
