// Package sysv holds what the System V IPC packages (message queues,
// semaphores, shared memory) share: keys made with ftok; the limits and
// knobs of /proc/sys/kernel, which are per IPC namespace; a move into a new
// namespace; the index of an object in the namespace's table; and small C
// programs run as peers where a rule needs fork(2) without exec.
package sysv

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

// Ftok is ftok(3) as glibc computes it: the low 16 bits of the inode, the
// low 8 bits of the device number shifted 16 and the low 8 bits of id
// shifted 24, read as a key_t (a 32-bit int: negative when id's bit 7 is
// set).
func Ftok(path string, id int) (int, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return -1, err
	}
	return int(int32(uint32(st.Ino&0xffff) | uint32(st.Dev&0xff)<<16 | uint32(id&0xff)<<24)), nil
}

// NewKey returns an ftok key made from a fresh file of the test, and the
// file's path. A fresh file has an inode no other key of the run uses.
func NewKey(t testing.TB, id int) (key int, path string) {
	t.Helper()
	path = filepath.Join(proc.Dir(t), "key")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	key, err := Ftok(path, id)
	if err != nil {
		t.Fatalf("ftok %s: %s", path, sys.ErrnoName(err))
	}
	return key, path
}

// ReadLimits reads the numbers in /proc/sys/kernel/name: one for msgmax or
// shmmax, four for sem. They are unsigned: shmmax and shmall default to
// nearly 2^64.
func ReadLimits(name string) ([]uint64, error) {
	data, err := os.ReadFile("/proc/sys/kernel/" + name)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, f := range strings.Fields(string(data)) {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("/proc/sys/kernel/%s: %v", name, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// ReadLimit reads a limit of /proc/sys/kernel that is a single number.
func ReadLimit(name string) (uint64, error) {
	ns, err := ReadLimits(name)
	if err == nil && len(ns) != 1 {
		err = fmt.Errorf("/proc/sys/kernel/%s: %d numbers, want 1", name, len(ns))
	}
	if err != nil {
		return 0, err
	}
	return ns[0], nil
}

// IndexOf returns the index of the namespace's table that holds object
// id: it tries every index from 0 to highest (the highest index in use,
// which MSG_INFO, SEM_INFO and SHM_INFO return) with statAt, a MSG_STAT,
// SEM_STAT or SHM_STAT call that returns the id held at an index. It fails
// the test if no index holds id.
func IndexOf(t testing.TB, id, highest int, statAt func(index int) (int, error)) int {
	t.Helper()
	for index := 0; index <= highest; index++ {
		if got, err := statAt(index); err == nil && got == id {
			return index
		}
	}
	t.Fatalf("no index from 0 to %d holds id %d", highest, id)
	return -1
}
