package proc

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// envSigBlocked marks a peer that has executed itself again with signals
// blocked on every thread (BlockEverywhere).
const envSigBlocked = "IPCSUITE_SIGNALS_BLOCKED"

// BlockEverywhere makes every thread of the calling peer block sig, so
// that a signal the kernel sends to the process stays pending, with its
// siginfo, for a signalfd (SignalFD) to read. The Go runtime would
// otherwise take it on any thread that does not block it, and blocking it
// on one thread is not enough: the peer blocks it on a locked thread and
// executes itself again from there (execve keeps the thread's signal mask,
// and the new runtime gives that mask to every thread it makes). A role
// calls it first: whatever it did before runs twice. Whatever depends on
// the process's image (registering for a signal) comes after.
func BlockEverywhere(sig unix.Signal) {
	if os.Getenv(envSigBlocked) == "" {
		runtime.LockOSThread()
		var set unix.Sigset_t
		addSignal(&set, sig)
		Check(unix.PthreadSigmask(unix.SIG_BLOCK, &set, nil), "block signal "+strconv.Itoa(int(sig)))
		exe, err := os.Executable()
		Check(err, "find the executable")
		Check(syscall.Exec(exe, os.Args, append(os.Environ(), envSigBlocked+"=1")), "execve")
	}
	requireBlockedEverywhere(sig)
}

// SignalFD returns a nonblocking signalfd for sig, which BlockEverywhere
// has blocked.
func SignalFD(sig unix.Signal) int {
	var set unix.Sigset_t
	addSignal(&set, sig)
	fd, err := unix.Signalfd(-1, &set, unix.SFD_CLOEXEC|unix.SFD_NONBLOCK)
	Check(err, "signalfd")
	return fd
}

// AwaitSignal reads the next signal from the signalfd fd within d; ok is
// false when none came.
func AwaitSignal(fd int, d time.Duration) (si unix.SignalfdSiginfo, ok bool) {
	rev, err := sys.Revents(fd, unix.POLLIN, int(d/time.Millisecond))
	Check(err, "poll signalfd")
	if rev == 0 {
		return si, false
	}
	n, err := unix.Read(fd, unsafe.Slice((*byte)(unsafe.Pointer(&si)), unsafe.Sizeof(si)))
	Check(err, "read signalfd")
	if n != int(unsafe.Sizeof(si)) {
		Fatalf("signalfd read %d bytes, want %d", n, unsafe.Sizeof(si))
	}
	return si, true
}

func addSignal(set *unix.Sigset_t, sig unix.Signal) {
	set.Val[(sig-1)/64] |= 1 << ((sig - 1) % 64)
}

// requireBlockedEverywhere ends the peer unless every thread of it blocks
// sig (the SigBlk line of each thread's status).
func requireBlockedEverywhere(sig unix.Signal) {
	files, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil || len(files) == 0 {
		Fatalf("no thread status to check the signal mask in: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		Check(err, "read "+f)
		for _, line := range strings.Split(string(data), "\n") {
			if hex, ok := strings.CutPrefix(line, "SigBlk:"); ok {
				mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
				if err != nil || mask&(1<<(sig-1)) == 0 {
					Fatalf("%s: SigBlk %s lacks signal %d", f, strings.TrimSpace(hex), sig)
				}
			}
		}
	}
}
