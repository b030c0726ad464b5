package sysvsem

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Operations by name, for readable tests.
func p(num uint16) Sembuf          { return Sembuf{Num: num, Op: -1} }
func v(num uint16) Sembuf          { return Sembuf{Num: num, Op: 1} }
func zero(num uint16) Sembuf       { return Sembuf{Num: num, Op: 0} }
func add(num uint16, n int) Sembuf { return Sembuf{Num: num, Op: int16(n)} }
func nowait(op Sembuf) Sembuf      { op.Flg |= IPC_NOWAIT; return op }
func undo(op Sembuf) Sembuf        { op.Flg |= SEM_UNDO; return op }

// spec renders operations for the sem peer: "0:-1:n,1:+1:u" (n for
// IPC_NOWAIT, u for SEM_UNDO).
func spec(ops ...Sembuf) string {
	var parts []string
	for _, op := range ops {
		s := fmt.Sprintf("%d:%+d", op.Num, op.Op)
		if op.Flg&IPC_NOWAIT != 0 {
			s += ":n"
		}
		if op.Flg&SEM_UNDO != 0 {
			s += ":u"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}

func parseSpec(s string) ([]Sembuf, error) {
	var ops []Sembuf
	for _, part := range strings.Split(s, ",") {
		f := strings.Split(part, ":")
		if len(f) < 2 {
			return nil, fmt.Errorf("operation %q: want num:op[:flags]", part)
		}
		num, err1 := strconv.ParseUint(f[0], 10, 16)
		op, err2 := strconv.ParseInt(f[1], 10, 16)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("operation %q: %v", part, err)
		}
		b := Sembuf{Num: uint16(num), Op: int16(op)}
		for _, flag := range f[2:] {
			switch flag {
			case "n":
				b.Flg |= IPC_NOWAIT
			case "u":
				b.Flg |= SEM_UNDO
			default:
				return nil, fmt.Errorf("operation %q: unknown flag %q", part, flag)
			}
		}
		ops = append(ops, b)
	}
	return ops, nil
}

// newSet makes a private set of nsems semaphores with mode, removed when
// the test ends (a test that removed it itself makes that EINVAL).
func newSet(t *testing.T, nsems, mode int) int {
	t.Helper()
	return newKeyedSet(t, unix.IPC_PRIVATE, nsems, mode)
}

func newKeyedSet(t *testing.T, key, nsems, mode int) int {
	t.Helper()
	id, err := Get(key, nsems, unix.IPC_CREAT|unix.IPC_EXCL|mode)
	if err != nil {
		t.Fatalf("semget(%#x, %d, IPC_CREAT|IPC_EXCL|%#o): %s", key, nsems, mode, sys.ErrnoName(err))
	}
	t.Cleanup(func() {
		if err := Remove(id); err != nil && err != unix.EINVAL {
			t.Errorf("remove semaphore set %d: %s", id, sys.ErrnoName(err))
		}
	})
	return id
}

func mustOp(t *testing.T, id int, ops ...Sembuf) {
	t.Helper()
	if err := Op(id, ops...); err != nil {
		t.Fatalf("semop(%s): %s", spec(ops...), sys.ErrnoName(err))
	}
}

// ctlVal runs a GET-style semctl and fails the test on error.
func ctlVal(t *testing.T, name string, f func(id, num int) (int, error), id, num int) int {
	t.Helper()
	n, err := f(id, num)
	if err != nil {
		t.Fatalf("semctl(%d, %d, %s): %s", id, num, name, sys.ErrnoName(err))
	}
	return n
}

func val(t *testing.T, id, num int) int  { t.Helper(); return ctlVal(t, "GETVAL", GetVal, id, num) }
func pid(t *testing.T, id, num int) int  { t.Helper(); return ctlVal(t, "GETPID", GetPid, id, num) }
func ncnt(t *testing.T, id, num int) int { t.Helper(); return ctlVal(t, "GETNCNT", GetNcnt, id, num) }
func zcnt(t *testing.T, id, num int) int { t.Helper(); return ctlVal(t, "GETZCNT", GetZcnt, id, num) }

func setVal(t *testing.T, id, num, value int) {
	t.Helper()
	if err := SetVal(id, num, value); err != nil {
		t.Fatalf("semctl(%d, %d, SETVAL, %d): %s", id, num, value, sys.ErrnoName(err))
	}
}

func setAll(t *testing.T, id int, vals ...uint16) {
	t.Helper()
	if err := SetAll(id, vals); err != nil {
		t.Fatalf("semctl(%d, SETALL, %v): %s", id, vals, sys.ErrnoName(err))
	}
}

// requireVals fails unless GETALL returns want.
func requireVals(t *testing.T, id int, want ...uint16) {
	t.Helper()
	got, err := GetAll(id, len(want))
	if err != nil {
		t.Fatalf("semctl(%d, GETALL): %s", id, sys.ErrnoName(err))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("semaphore values %v, want %v", got, want)
	}
}

func requireVal(t *testing.T, id, num, want int, why string) {
	t.Helper()
	if got := val(t, id, num); got != want {
		t.Fatalf("%s: semaphore %d has value %d, want %d", why, num, got, want)
	}
}

func stat(t *testing.T, id int) SemidDS {
	t.Helper()
	ds, err := Stat(id)
	if err != nil {
		t.Fatalf("semctl(%d, IPC_STAT): %s", id, sys.ErrnoName(err))
	}
	return ds
}

// awaitCount waits, until the wake-up limit, for count (a semaphore's
// count of the processes sleeping on it) to reach want.
func awaitCount(t *testing.T, what string, count func() int, want int) {
	t.Helper()
	limit := sys.WakeLimit(t)
	for {
		n := count()
		if n == want {
			return
		}
		if time.Now().After(limit) {
			t.Fatalf("%s = %d after %v, want %d", what, n, sys.WakeBound(), want)
		}
		time.Sleep(time.Millisecond)
	}
}
