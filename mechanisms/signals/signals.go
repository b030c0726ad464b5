// Package signals holds ipcsuite's real-time-signal transport; its tests
// prove the signal rules of man 7 signal, man 2 sigqueue and man 2 signalfd
// between real processes.
package signals

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// si_code values (asm-generic/siginfo.h) that x/sys/unix lacks.
const (
	SiUser  = 0  // kill(2)
	SiQueue = -1 // sigqueue(3), rt_sigqueueinfo(2)
	SiTkill = -6 // tgkill(2)
)

// The first real-time signal this package uses: the kernel's SIGRTMIN is
// 32, glibc keeps 32 and 33 for its threads (man 7 signal), and the Go
// runtime keeps 32 to 34 unblocked on every thread it makes.
const RTMin = unix.Signal(35)

// Siginfo is the kernel's siginfo_t for the signals sent by processes:
// si_signo, si_errno, si_code, then, from the union, si_pid, si_uid and
// si_value (sival_int overlays the low half of sival_ptr).
type Siginfo struct {
	Signo, Errno, Code int32
	_                  int32 // the union is aligned to 8 bytes
	Pid                int32
	Uid                uint32
	Value              uint64
	_                  [96]byte // the rest of the 128 bytes
}

// Queue is rt_sigqueueinfo(2): sig to process pid with info as the sender
// wrote it (glibc's sigqueue fills in the pid and uid; the kernel checks
// only si_code).
func Queue(pid int, sig unix.Signal, info *Siginfo) error {
	_, err := sys.SyscallArgs(unix.SYS_RT_SIGQUEUEINFO, sys.Num(pid), sys.Num(sig), sys.Ptr(unsafe.Pointer(info)))
	return err
}

// TgQueue is rt_tgsigqueueinfo(2): sig to thread tid of process tgid.
func TgQueue(tgid, tid int, sig unix.Signal, info *Siginfo) error {
	_, err := sys.SyscallArgs(unix.SYS_RT_TGSIGQUEUEINFO, sys.Num(tgid), sys.Num(tid), sys.Num(sig), sys.Ptr(unsafe.Pointer(info)))
	return err
}

// Has reports whether set holds sig.
func Has(set *unix.Sigset_t, sig unix.Signal) bool {
	return set.Val[(sig-1)/64]&(1<<((sig-1)%64)) != 0
}

// sigsetSize is the kernel's sizeof(sigset_t), which every rt_sig* call
// takes.
const sigsetSize = 8

// Wait is rt_sigtimedwait(2) with no timeout: it takes a signal of set that
// is pending for the calling thread or its process, sleeping until one is,
// and fills info. EINTR (a signal outside set handled meanwhile) is retried.
func Wait(set *unix.Sigset_t, info *Siginfo) (unix.Signal, error) {
	sig, err := sys.SyscallArgs(unix.SYS_RT_SIGTIMEDWAIT, sys.Ptr(unsafe.Pointer(set)), sys.Ptr(unsafe.Pointer(info)), sys.Num(0), sys.Num(sigsetSize))
	return unix.Signal(sig), err
}

// TimedWait is Wait that gives up after d with EAGAIN.
func TimedWait(set *unix.Sigset_t, info *Siginfo, d time.Duration) (unix.Signal, error) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	sig, err := sys.SyscallArgs(unix.SYS_RT_SIGTIMEDWAIT, sys.Ptr(unsafe.Pointer(set)), sys.Ptr(unsafe.Pointer(info)), sys.Ptr(unsafe.Pointer(&ts)), sys.Num(sigsetSize))
	return unix.Signal(sig), err
}

// Pending is sigpending(2): the signals pending for the calling thread or
// its process.
func Pending() (unix.Sigset_t, error) {
	var set unix.Sigset_t
	_, err := sys.SyscallArgs(unix.SYS_RT_SIGPENDING, sys.Ptr(unsafe.Pointer(&set)), sys.Num(sigsetSize))
	return set, err
}
