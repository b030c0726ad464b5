package sys

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SignalSet returns the signal set holding sigs.
func SignalSet(sigs ...unix.Signal) unix.Sigset_t {
	var set unix.Sigset_t
	for _, sig := range sigs {
		set.Val[(sig-1)/64] |= 1 << ((sig - 1) % 64)
	}
	return set
}

// ExecBlocked makes a peer a process in which every thread blocks sigs, so
// that a signal sent to the process stays pending, with the kernel's
// siginfo, for sigtimedwait or a signalfd to take: the Go runtime would
// otherwise take it on any thread that does not block it. Blocking on one
// thread is not enough, so the first call blocks sigs on a locked thread
// and executes the binary again from there with marker set in the
// environment: execve keeps the thread's signal mask, and the new runtime
// gives that mask to every thread it makes. That call returns only on
// failure; the call in the new program checks the mask of every thread
// and returns nil.
func ExecBlocked(marker string, sigs ...unix.Signal) error {
	if os.Getenv(marker) != "" {
		return BlockedEverywhere(sigs...)
	}
	runtime.LockOSThread()
	set := SignalSet(sigs...)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, nil); err != nil {
		return fmt.Errorf("block %v: %w", sigs, err)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return syscall.Exec(exe, os.Args, append(os.Environ(), marker+"=1"))
}

// BlockedEverywhere fails unless every thread of the process blocks sigs
// (the SigBlk line of each thread's status).
func BlockedEverywhere(sigs ...unix.Signal) error {
	files, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no thread status to check the signal mask in: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(data), "\n") {
			hex, ok := strings.CutPrefix(line, "SigBlk:")
			if !ok {
				continue
			}
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			for _, sig := range sigs {
				if err != nil || mask&(1<<(sig-1)) == 0 {
					return fmt.Errorf("%s: SigBlk %s lacks signal %d", f, strings.TrimSpace(hex), sig)
				}
			}
		}
	}
	return nil
}

// ReadSignal reads the next record of signalfd fd, waiting at most d; ok
// is false if none came.
func ReadSignal(fd int, d time.Duration) (si unix.SignalfdSiginfo, ok bool, err error) {
	rev, err := Revents(fd, unix.POLLIN, int(d/time.Millisecond))
	if err != nil || rev == 0 {
		return si, false, err
	}
	n, err := Read(fd, unsafe.Slice((*byte)(unsafe.Pointer(&si)), unsafe.Sizeof(si)))
	if err == nil && n != int(unsafe.Sizeof(si)) {
		err = fmt.Errorf("signalfd read %d bytes, want %d", n, unsafe.Sizeof(si))
	}
	return si, err == nil, err
}

// Signalfd returns a nonblocking signalfd for sigs, which the process
// blocks (ExecBlocked), for ReadSignal.
func Signalfd(sigs ...unix.Signal) (int, error) {
	set := SignalSet(sigs...)
	return unix.Signalfd(-1, &set, unix.SFD_CLOEXEC|unix.SFD_NONBLOCK)
}
