// Package sysvsem holds raw wrappers for System V semaphores (semget,
// semop, semtimedop, semctl), which x/sys/unix does not wrap, and a
// Doorbell built on them; its tests prove the semantics of man 2 semop,
// semctl and semget between real processes.
package sysvsem

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// sem_flg bits and semctl commands (linux/sem.h, linux/ipc.h).
const (
	IPC_NOWAIT = unix.IPC_NOWAIT
	SEM_UNDO   = 0x1000

	GETPID  = 11
	GETVAL  = 12
	GETALL  = 13
	GETNCNT = 14
	GETZCNT = 15
	SETVAL  = 16
	SETALL  = 17

	IPC_INFO     = 3
	SEM_STAT     = 18
	SEM_INFO     = 19
	SEM_STAT_ANY = 20

	// SEMVMX is the largest value a semaphore holds, and SEMAEM the
	// largest magnitude of a SEM_UNDO adjustment (both fixed in ipc/sem.c).
	SEMVMX = 32767
	SEMAEM = SEMVMX
)

// Sembuf is struct sembuf: one operation of a semop call. The layout is
// the same on every Linux architecture.
type Sembuf struct {
	Num uint16 // sem_num
	Op  int16  // sem_op
	Flg int16  // sem_flg
}

// Seminfo is struct seminfo, returned by IPC_INFO and SEM_INFO.
type Seminfo struct {
	Map, Mni, Mns, Mnu, Msl, Opm, Ume, Usz, Vmx, Aem int32
}

// Get is semget(2).
func Get(key, nsems, flags int) (int, error) {
	id, err := sys.Syscall(unix.SYS_SEMGET, uintptr(key), uintptr(nsems), uintptr(flags))
	return int(id), err
}

func opsPtr(ops []Sembuf) sys.Arg { return sys.Ptr(unsafe.Pointer(unsafe.SliceData(ops))) }

// Op is semop(2), retried on EINTR (the Go runtime's preemption signals
// interrupt a blocked semop, which the kernel never restarts).
func Op(id int, ops ...Sembuf) error {
	_, err := sys.SyscallArgs(unix.SYS_SEMOP, sys.Num(id), opsPtr(ops), sys.Num(len(ops)))
	return err
}

// OpOnce is semop(2) without the EINTR retry, for tests about EINTR.
func OpOnce(id int, ops ...Sembuf) error {
	_, err := sys.SyscallArgsOnce(unix.SYS_SEMOP, sys.Num(id), opsPtr(ops), sys.Num(len(ops)))
	return err
}

// TimedOpOnce is semtimedop(2) with a relative timeout, without retry. A
// nil ts passes a NULL timeout (wait for ever).
func TimedOpOnce(id int, ts *unix.Timespec, ops ...Sembuf) error {
	_, err := sys.SyscallArgsOnce(unix.SYS_SEMTIMEDOP, sys.Num(id), opsPtr(ops), sys.Num(len(ops)), sys.Ptr(unsafe.Pointer(ts)))
	return err
}

// TimedOp is semtimedop(2) with a timeout of d, retried on EINTR with the
// time that is left, so that retries do not stretch the timeout.
func TimedOp(id int, d time.Duration, ops ...Sembuf) error {
	deadline := time.Now().Add(d)
	for {
		ts := unix.NsecToTimespec(max(time.Until(deadline), 0).Nanoseconds())
		err := TimedOpOnce(id, &ts, ops...)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// ctl is semctl(2) with union semun passed by value, as the kernel takes
// it: an int (SETVAL) or a pointer (the rest), in one register.
func ctl(id, num, cmd int, arg sys.Arg) (int, error) {
	r, err := sys.SyscallArgs(unix.SYS_SEMCTL, sys.Num(id), sys.Num(num), sys.Num(cmd), arg)
	return int(r), err
}

// Ctl is semctl(2) for commands whose semun argument is unused or an
// int: GETVAL, GETPID, GETNCNT, GETZCNT, IPC_RMID, SETVAL.
func Ctl(id, num, cmd, val int) (int, error) { return ctl(id, num, cmd, sys.Num(val)) }

// GetVal returns semaphore num's value (GETVAL).
func GetVal(id, num int) (int, error) { return ctl(id, num, GETVAL, sys.Num(0)) }

// SetVal sets semaphore num's value (SETVAL).
func SetVal(id, num, val int) error {
	_, err := ctl(id, num, SETVAL, sys.Num(val))
	return err
}

// GetPid returns the pid of the last process to change semaphore num.
func GetPid(id, num int) (int, error) { return ctl(id, num, GETPID, sys.Num(0)) }

// GetNcnt returns how many threads wait for semaphore num to increase.
func GetNcnt(id, num int) (int, error) { return ctl(id, num, GETNCNT, sys.Num(0)) }

// GetZcnt returns how many threads wait for semaphore num to become 0.
func GetZcnt(id, num int) (int, error) { return ctl(id, num, GETZCNT, sys.Num(0)) }

// GetAll returns every value of a set of nsems semaphores (GETALL).
func GetAll(id, nsems int) ([]uint16, error) {
	vals := make([]uint16, max(nsems, 1))
	_, err := ctl(id, 0, GETALL, sys.Ptr(unsafe.Pointer(&vals[0])))
	return vals[:nsems], err
}

// SetAll sets every value of the set (SETALL); vals must hold one value
// per semaphore.
func SetAll(id int, vals []uint16) error {
	if len(vals) == 0 {
		return unix.EINVAL
	}
	_, err := ctl(id, 0, SETALL, sys.Ptr(unsafe.Pointer(&vals[0])))
	return err
}

// Stat is IPC_STAT.
func Stat(id int) (SemidDS, error) {
	var ds SemidDS
	_, err := ctl(id, 0, unix.IPC_STAT, sys.Ptr(unsafe.Pointer(&ds)))
	return ds, err
}

// StatIndex is SEM_STAT or SEM_STAT_ANY on an index of the kernel's
// table; it returns the set's identifier.
func StatIndex(index, cmd int) (int, SemidDS, error) {
	var ds SemidDS
	id, err := ctl(index, 0, cmd, sys.Ptr(unsafe.Pointer(&ds)))
	return id, ds, err
}

// Set is IPC_SET: it copies uid, gid and the low 9 bits of mode.
func Set(id int, ds *SemidDS) error {
	_, err := ctl(id, 0, unix.IPC_SET, sys.Ptr(unsafe.Pointer(ds)))
	return err
}

// Info is IPC_INFO or SEM_INFO; it returns the highest used index.
func Info(cmd int) (int, Seminfo, error) {
	var info Seminfo
	n, err := ctl(0, 0, cmd, sys.Ptr(unsafe.Pointer(&info)))
	return n, info, err
}

// Remove is IPC_RMID.
func Remove(id int) error {
	_, err := ctl(id, 0, unix.IPC_RMID, sys.Num(0))
	return err
}

// Limits are the semaphore limits of /proc/sys/kernel/sem, which are per
// IPC namespace.
type Limits struct{ MSL, MNS, OPM, MNI int }

// ReadLimits reads /proc/sys/kernel/sem: SEMMSL SEMMNS SEMOPM SEMMNI.
func ReadLimits() (Limits, error) {
	ns, err := sysv.ReadLimits("sem")
	if err == nil && len(ns) != 4 {
		err = fmt.Errorf("/proc/sys/kernel/sem: %d numbers, want 4", len(ns))
	}
	if err != nil {
		return Limits{}, err
	}
	return Limits{MSL: int(ns[0]), MNS: int(ns[1]), OPM: int(ns[2]), MNI: int(ns[3])}, nil
}
