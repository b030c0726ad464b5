package signals

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// spawnBlocking starts a "sig" peer whose every thread blocks sigs.
func spawnBlocking(t *testing.T, spec proc.PeerSpec, sigs ...unix.Signal) *proc.Peer {
	t.Helper()
	spec.Args = append(spec.Args, blockArg(sigs...))
	peer := proc.Spawn(t, "sig", spec)
	peer.Expect(t, "ready")
	return peer
}

// offMainThread runs call on a thread of the test process other than its
// first, whose id is the process's pid: a kernel that put the sending
// thread's id in si_pid where the process's belongs then always shows it,
// rather than only when the Go scheduler happened to pick another thread.
func offMainThread(call func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if unix.Gettid() != unix.Getpid() {
		return call()
	}
	// This thread is locked to the caller: the new goroutine runs on another.
	done := make(chan error, 1)
	go func() { done <- call() }()
	return <-done
}

// mustKill sends sig to pid with kill(2), from offMainThread.
func mustKill(t *testing.T, pid int, sig unix.Signal) {
	t.Helper()
	if err := offMainThread(func() error { return unix.Kill(pid, sig) }); err != nil {
		t.Fatalf("kill(%d, %s): %s", pid, unix.SignalName(sig), sys.ErrnoName(err))
	}
}

// queued is a siginfo as glibc's sigqueue(3) fills it: SI_QUEUE, the
// sender's pid and real uid, and value.
func queued(sig unix.Signal, value uint64) *Siginfo {
	return &Siginfo{Signo: int32(sig), Code: SiQueue, Pid: int32(unix.Getpid()), Uid: uint32(unix.Getuid()), Value: value}
}

// mustQueue sends sig with value to pid as sigqueue(3) does.
func mustQueue(t *testing.T, pid int, sig unix.Signal, value uint64) {
	t.Helper()
	if err := Queue(pid, sig, queued(sig, value)); err != nil {
		t.Fatalf("rt_sigqueueinfo(%d, %s, %#x): %s", pid, unix.SignalName(sig), value, sys.ErrnoName(err))
	}
}

// fromTest is the record a "sig" peer renders for sig sent by the test
// process with code and value.
func fromTest(sig unix.Signal, code int, value uint64) string {
	return record(int(sig), code, unix.Getpid(), unix.Getuid(), value)
}
