package signals

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// SIGKILL and SIGSTOP cannot be caught, ignored or blocked (man 7
// signal): rt_sigaction refuses any new disposition for them, even
// SIG_DFL, with EINVAL, and sigprocmask drops them from the mask without
// an error; a peer that tried all of it still dies of SIGKILL.
func TestKillAndStopCannotBeCaughtIgnoredOrBlocked(t *testing.T) {
	for _, sig := range []unix.Signal{unix.SIGKILL, unix.SIGSTOP} {
		t.Run(unix.SignalName(sig), func(t *testing.T) {
			peer := spawnBlocking(t, proc.PeerSpec{}, unix.SIGUSR1)
			for _, how := range []string{"handler", "ign", "dfl"} {
				peer.Must(t, "EINVAL", "sigaction %d %s", sig, how)
			}
			peer.Send(t, "lock")
			peer.Thread(t)
			peer.Must(t, "not blocked", "block %d", sig)
			if sig == unix.SIGKILL {
				mustKill(t, peer.Pid, unix.SIGKILL)
				peer.RequireSignal(t, unix.SIGKILL)
			}
		})
	}
}

// waitChild is waitid(2) on one child: the siginfo it fills, as the
// package's Siginfo (si_status overlays the low half of si_value).
func waitChild(t *testing.T, pid, options int) Siginfo {
	t.Helper()
	var si Siginfo
	err := sys.Start("waitid", func() error {
		return sys.Retry(func() error {
			return unix.Waitid(unix.P_PID, pid, (*unix.Siginfo)(unsafe.Pointer(&si)), options, nil)
		})
	}).Wait(t)
	if err != nil {
		t.Fatalf("waitid(%d, %#x): %s", pid, options, sys.ErrnoName(err))
	}
	return si
}

// CLD_STOPPED and CLD_CONTINUED (asm-generic/siginfo.h).
const (
	cldStopped   = 5
	cldContinued = 6
)

// SIGSTOP stops a process, which then answers nothing, and its parent's
// waitid with WSTOPPED reports CLD_STOPPED with the signal; SIGCONT
// resumes it, waitid with WCONTINUED reports CLD_CONTINUED, and the
// command sent while it was stopped is answered (man 2 waitid).
func TestStopAndContinue(t *testing.T) {
	peer := spawnBlocking(t, proc.PeerSpec{}, unix.SIGUSR1)
	mustKill(t, peer.Pid, unix.SIGSTOP)
	si := waitChild(t, peer.Pid, unix.WSTOPPED)
	if si.Code != cldStopped || si.Pid != int32(peer.Pid) || int32(si.Value) != int32(unix.SIGSTOP) {
		t.Fatalf("waitid(WSTOPPED): code %d pid %d status %d, want CLD_STOPPED (%d), pid %d, SIGSTOP", si.Code, si.Pid, int32(si.Value), cldStopped, peer.Pid)
	}
	peer.Start(t, "ping")
	peer.RequireSilent(t, "a stopped peer")
	mustKill(t, peer.Pid, unix.SIGCONT)
	si = waitChild(t, peer.Pid, unix.WCONTINUED)
	if si.Code != cldContinued || si.Pid != int32(peer.Pid) || int32(si.Value) != int32(unix.SIGCONT) {
		t.Fatalf("waitid(WCONTINUED): code %d pid %d status %d, want CLD_CONTINUED (%d), pid %d, SIGCONT", si.Code, si.Pid, int32(si.Value), cldContinued, peer.Pid)
	}
	peer.Expect(t, "pong")
}

// Default actions (man 7 signal, "Standard signals"), under SIG_DFL set
// behind the Go runtime's back: SIGTERM and SIGUSR1 terminate; SIGCHLD,
// SIGURG and SIGWINCH are ignored (not even pending: the peer answers
// afterwards and exits normally); SIGQUIT and SIGSEGV terminate with a
// core dump. The wait status's core flag is the kernel's word that it
// wrote one: with RLIMIT_CORE 0 and core files named by a path (a pattern
// piping them to a program ignores the limit: those subtests skip) it writes
// none (do_coredump gives up below the limit), so the flag stays clear,
// nothing appears in the peer's directory, and the status is that of a
// plain termination; with no limit the flag is set and the core file is
// there.
func TestDefaultActions(t *testing.T) {
	for _, c := range []struct {
		rule string
		sig  unix.Signal
		core bool // the default action dumps core
	}{
		{"SIGTERM_terminates", unix.SIGTERM, false},
		{"SIGUSR1_terminates", unix.SIGUSR1, false},
		{"SIGQUIT_no_core_flag_when_RLIMIT_CORE_0", unix.SIGQUIT, true},
		{"SIGSEGV_no_core_flag_when_RLIMIT_CORE_0", unix.SIGSEGV, true},
	} {
		t.Run(c.rule, func(t *testing.T) {
			if c.core {
				requireCoreFile(t)
			}
			dir := proc.Dir(t)
			peer := spawnBlocking(t, proc.PeerSpec{})
			peer.Must(t, "ok", "rlimit core 0")
			peer.Must(t, "ok", "chdir %s", dir)
			peer.Must(t, "ok", "sigaction %d dfl", c.sig)
			mustKill(t, peer.Pid, c.sig)
			if got := peer.Wait(t); got != (proc.Exit{Code: -1, Signal: c.sig}) {
				t.Fatalf("peer: %s, want killed by %s with no core flag (RLIMIT_CORE 0)", got, unix.SignalName(c.sig))
			}
			if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
				t.Fatalf("files in the peer's directory: %q, want none", files)
			}
		})
	}
	for _, c := range []struct {
		rule string
		sig  unix.Signal
	}{
		{"SIGCHLD_ignored", unix.SIGCHLD},
		{"SIGURG_ignored", unix.SIGURG},
		{"SIGWINCH_ignored", unix.SIGWINCH},
	} {
		t.Run(c.rule, func(t *testing.T) {
			peer := spawnBlocking(t, proc.PeerSpec{})
			peer.Must(t, "ok", "sigaction %d dfl", c.sig)
			mustKill(t, peer.Pid, c.sig)
			peer.Must(t, "none", "pending")
			peer.Must(t, "pong", "ping")
			peer.Send(t, "exit")
			peer.RequireExit(t, 0)
		})
	}
	for _, sig := range []unix.Signal{unix.SIGQUIT, unix.SIGSEGV} {
		t.Run(unix.SignalName(sig)+"_dumps_core", func(t *testing.T) {
			dir := coreDir(t)
			peer := spawnBlocking(t, proc.PeerSpec{})
			peer.Must(t, "ok", "rlimit core %#x", 1<<40) // far above any core of the peer
			peer.Must(t, "ok", "chdir %s", dir)
			peer.Must(t, "ok", "sigaction %d dfl", sig)
			mustKill(t, peer.Pid, sig)
			if got := peer.Wait(t); got != (proc.Exit{Code: -1, Signal: sig, CoreDumped: true}) {
				t.Fatalf("peer: %s, want killed by %s (core dumped)", got, unix.SignalName(sig))
			}
			if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 1 {
				t.Fatalf("core files in %s: %q, want one", dir, files)
			}
		})
	}
}

// corePattern is /proc/sys/kernel/core_pattern, "" where it cannot be read.
func corePattern() (string, error) {
	data, err := os.ReadFile("/proc/sys/kernel/core_pattern")
	return strings.TrimSpace(string(data)), err
}

// requireCoreFile skips where core_pattern pipes cores to a program:
// RLIMIT_CORE 0 does not stop those dumps.
func requireCoreFile(t *testing.T) {
	t.Helper()
	if pattern, _ := corePattern(); strings.HasPrefix(pattern, "|") {
		t.Skipf("core_pattern %q pipes core dumps to a program, which RLIMIT_CORE 0 does not stop", pattern)
	}
}

// coreDir returns a directory for a peer to dump core in, skipping unless
// the kernel writes core files by a relative name in the dumping process's
// directory (a pipe or an absolute path in core_pattern sends them
// elsewhere).
func coreDir(t *testing.T) string {
	t.Helper()
	pattern, err := corePattern()
	if err != nil || pattern == "" || strings.ContainsAny(pattern[:1], "|/") {
		t.Skipf("core_pattern %q (%v): core dumps do not go to the process's directory", pattern, err)
	}
	return proc.Dir(t)
}
