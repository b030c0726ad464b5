package helpers_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/stream"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Negative controls: each runs the test binary again with one deliberately
// broken test or one deliberate leak, and checks that the harness fails
// the run and names the cause. A harness that passes broken tests proves
// nothing about kernels.

func init() {
	switch proc.Negative() {
	case "unused-role":
		proc.Register("never-spawned", func([]string) int { return 0 })
	case "overlap":
		proc.Register("record-writer-in-turn", recordWriterInTurn)
	}
}

// Asserting end of file while another process still holds a write end is
// wrong (seed 004, case 2): the test that does so must fail.
func TestNegativeControlEOFWithWriterOpen(t *testing.T) {
	code, out := proc.RunNegative(t, "eof", "-test.run=^TestBrokenEOFWhileWriterOpen$")
	proc.RequireFailedWith(t, code, out, "--- FAIL: TestBrokenEOFWhileWriterOpen", "got EAGAIN, want 0 bytes (EOF)")
}

func TestBrokenEOFWhileWriterOpen(t *testing.T) {
	if proc.Negative() != "eof" {
		t.Skip("a deliberately wrong test, run only by TestNegativeControlEOFWithWriterOpen")
	}
	r, w := sys.Pipe(t, unix.O_NONBLOCK)
	p := proc.Spawn(t, "hold-write-end", proc.PeerSpec{Files: []int{w}, Handoff: true})
	p.Expect(t, "holding")
	n, err := sys.Read(r, make([]byte, 1))
	if err != nil || n != 0 {
		t.Fatalf("read with the peer's write end open: got %s, want 0 bytes (EOF)", sys.ErrnoName(err))
	}
}

// A call that returns at once must not pass for a blocking one.
func TestNegativeControlBlocks(t *testing.T) {
	code, out := proc.RunNegative(t, "blocks", "-test.run=^TestBrokenBlocksClaim$")
	proc.RequireFailedWith(t, code, out, "--- FAIL: TestBrokenBlocksClaim", "returned", "want it to block")
}

func TestBrokenBlocksClaim(t *testing.T) {
	if proc.Negative() != "blocks" {
		t.Skip("a deliberately wrong test, run only by TestNegativeControlBlocks")
	}
	r, w := sys.Pipe(t, 0)
	sys.WriteFull(w, []byte("x"))
	sys.Blocks(t, "read of a pipe holding data",
		sys.IO(func() (int, error) { return sys.Read(r, make([]byte, 1)) }), func() {})
}

// Objects, files, sockets and processes left behind fail the run, by name.
func TestNegativeControlLeakCheck(t *testing.T) {
	code, out := proc.RunNegative(t, "leak", "-test.run=^TestDeliberateLeak$")
	// Remove what the child leaked on purpose: its shm, whose name carries
	// its pid, and its child, which died with it. That child is handed to
	// this process where this process is the init of its pid namespace (as
	// under runsc do): reap it then.
	child := "?"
	for _, line := range strings.Split(out, "\n") {
		if _, path, ok := strings.Cut(line, "leaked shm "); ok {
			os.Remove(strings.TrimSpace(path))
		}
		if _, pid, ok := strings.Cut(line, "leaked child "); ok {
			child = strings.TrimSpace(pid)
			reapIfChild(t, child)
		}
	}
	proc.RequireFailedWith(t, code, out, "leak check: the tests left behind", "/dev/shm/"+proc.Prefix, "leaked-fifo (p---------)", "unix socket @"+proc.Prefix, "child process",
		"tcp socket on port", "held by pid "+child+" (sleep 60)", "udp socket on port")
}

// reapIfChild waits for process pid if it is a child of this process.
func reapIfChild(t *testing.T, pid string) {
	n, err := strconv.Atoi(pid)
	if err != nil {
		t.Fatalf("leaked child %q: not a pid", pid)
	}
	err = sys.Start("reap the leaked child", func() error {
		var ws unix.WaitStatus
		_, err := sys.RetryValue(func() (int, error) { return unix.Wait4(n, &ws, 0, nil) })
		return err
	}).Wait(t)
	if err != nil && err != unix.ECHILD {
		t.Fatalf("wait4 for the leaked child %d: %s", n, sys.ErrnoName(err))
	}
}

func TestDeliberateLeak(t *testing.T) {
	if proc.Negative() != "leak" {
		t.Skip("a deliberate leak, run only by TestNegativeControlLeakCheck")
	}
	shm := filepath.Join("/dev/shm", proc.Name())
	if err := os.WriteFile(shm, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("leaked shm %s", shm)
	if err := unix.Mkfifo(filepath.Join(proc.RunRoot(), "leaked-fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	sock, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
	if err == nil {
		err = unix.Bind(sock, &unix.SockaddrUnix{Name: "@" + proc.Name()})
	}
	if err != nil {
		t.Fatalf("abstract socket: %v", err)
	}
	// A listening TCP socket held by the leaked child alone, and a bound
	// UDP socket held by this process: the process exits with its socket,
	// but a server left running by a test keeps its port.
	tcp, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err == nil {
		err = unix.Bind(tcp, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	}
	if err == nil {
		err = unix.Listen(tcp, 1)
	}
	if err != nil {
		t.Fatalf("leaked TCP listener: %s", sys.ErrnoName(err))
	}
	listener := os.NewFile(uintptr(tcp), "leaked-listener")
	sleeper := exec.Command("sleep", "60")
	sleeper.ExtraFiles = []*os.File{listener}
	sleeper.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	listener.Close()
	t.Logf("leaked child %s", strconv.Itoa(sleeper.Process.Pid))
	udp, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err == nil {
		err = unix.Bind(udp, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	}
	if err != nil {
		t.Fatalf("leaked UDP socket: %s", sys.ErrnoName(err))
	}
}

// A role that no test spawns is dead code and fails a full run.
func TestNegativeControlUnusedRole(t *testing.T) {
	code, out := proc.RunNegative(t, "unused-role")
	proc.RequireFailedWith(t, code, out, "registered but never spawned: [never-spawned]")
}

// Writers that never run at the same time prove nothing about atomicity,
// however intact their records: the overlap guard of RequireIntactRecords
// must fail writers that take turns.
func TestNegativeControlWritersTakingTurns(t *testing.T) {
	code, out := proc.RunNegative(t, "overlap", "-test.run=^TestBrokenAtomicityWritersTakeTurns$")
	proc.RequireFailedWith(t, code, out, "--- FAIL: TestBrokenAtomicityWritersTakeTurns", "the writers did not run at the same time")
}

func TestBrokenAtomicityWritersTakeTurns(t *testing.T) {
	if proc.Negative() != "overlap" {
		t.Skip("a deliberately wrong test, run only by TestNegativeControlWritersTakingTurns")
	}
	lock := filepath.Join(proc.Dir(t), "turn")
	if err := os.WriteFile(lock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	const records = 16
	r, w := sys.Pipe(t, 0)
	var writers []*proc.Peer
	for i := range 2 {
		p := proc.Spawn(t, "record-writer-in-turn", proc.PeerSpec{
			Files: []int{w},
			Args:  []string{"writer=" + strconv.Itoa(i), "count=" + strconv.Itoa(records), "lock=" + lock},
		})
		if i == 0 {
			p.Expect(t, "ready") // it holds the lock; the next one waits for it
		}
		writers = append(writers, p)
	}
	sys.Close(w)
	stream.RequireIntactRecords(t, r, writers, records)
}

// recordWriterInTurn is a RecordWriter that first takes an exclusive lock
// on the file lock=PATH, which it holds until it exits: such writers run
// one after another.
func recordWriterInTurn(args []string) int {
	fd, err := unix.Open(stream.RoleArgs(args)["lock"], unix.O_RDONLY|unix.O_CLOEXEC, 0)
	proc.Check(err, "open the lock file")
	proc.Check(sys.Retry(func() error { return unix.Flock(fd, unix.LOCK_EX) }), "flock")
	return stream.RecordWriter(args)
}
