package sysvsem

import (
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// A pointer the process cannot access fails with EFAULT (man 2 semop,
// semctl), and the call changes nothing: semop's and semtimedop's sops,
// semtimedop's timeout, and the buffers of the semctl commands that read
// or write one. The address is a page of the test's own mapped PROT_NONE.
func TestBadAddressesFailEFAULT(t *testing.T) {
	bad := sysv.NoAccessPage(t)
	id := newSet(t, 2, 0o600)
	setAll(t, id, 1, 2)
	ops := []Sembuf{v(0)}
	for _, c := range []struct {
		what string
		call func() error
	}{
		{"semop sops", func() error {
			_, err := sys.SyscallArgs(unix.SYS_SEMOP, sys.Num(id), sys.Num(bad), sys.Num(1))
			return err
		}},
		{"semtimedop sops", func() error {
			ts := unix.NsecToTimespec(time.Second.Nanoseconds())
			_, err := sys.SyscallArgs(unix.SYS_SEMTIMEDOP, sys.Num(id), sys.Num(bad), sys.Num(1), sys.Ptr(unsafe.Pointer(&ts)))
			return err
		}},
		{"semtimedop timeout", func() error {
			_, err := sys.SyscallArgs(unix.SYS_SEMTIMEDOP, sys.Num(id), opsPtr(ops), sys.Num(len(ops)), sys.Num(bad))
			return err
		}},
		{"semctl IPC_STAT", func() error { _, err := ctl(id, 0, unix.IPC_STAT, sys.Num(bad)); return err }},
		{"semctl IPC_SET", func() error { _, err := ctl(id, 0, unix.IPC_SET, sys.Num(bad)); return err }},
		{"semctl GETALL", func() error { _, err := ctl(id, 0, GETALL, sys.Num(bad)); return err }},
		{"semctl SETALL", func() error { _, err := ctl(id, 0, SETALL, sys.Num(bad)); return err }},
		{"semctl IPC_INFO", func() error { _, err := ctl(0, 0, IPC_INFO, sys.Num(bad)); return err }},
		{"semctl SEM_INFO", func() error { _, err := ctl(0, 0, SEM_INFO, sys.Num(bad)); return err }},
	} {
		t.Run(c.what, func(t *testing.T) {
			sys.RequireErrno(t, c.call(), unix.EFAULT, c.what+" at an inaccessible address")
		})
	}
	peer := spawnSem(t, proc.PeerSpec{})
	peer.Must(t, "[1 2]", "getall %d 2", id)
	peer.Must(t, "0600", "stat %d", id)
}
