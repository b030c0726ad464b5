package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/cmd/internal/vmproto"
)

type mount struct {
	source, target, fstype, data string
}

// The initramfs has none of these: the suite needs /proc (sysvipc, pids),
// /dev/shm and /dev/mqueue (POSIX IPC), and a world-writable /tmp for the
// run directory that a peer of uid 65534 enters.
var mounts = []mount{
	{"proc", "/proc", "proc", ""},
	{"sysfs", "/sys", "sysfs", ""},
	{"devtmpfs", "/dev", "devtmpfs", ""},
	{"tmpfs", "/dev/shm", "tmpfs", "mode=1777"},
	{"mqueue", "/dev/mqueue", "mqueue", ""},
	{"tmpfs", "/tmp", "tmpfs", "mode=1777"},
}

func mountAll() error {
	for _, m := range mounts {
		if err := os.MkdirAll(m.target, 0o755); err != nil {
			return err
		}
		if err := unix.Mount(m.source, m.target, m.fstype, 0, m.data); err != nil && err != unix.EBUSY {
			return fmt.Errorf("mount %s on %s: %v", m.fstype, m.target, err)
		}
	}
	return nil
}

// loopbackUp sets IFF_UP on lo, as a normal boot would.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// openRaw opens a serial port with the line discipline out of the way, so
// that the bytes arrive as written (no \n to \r\n, no echo).
func openRaw(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %v", path, err)
	}
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	// cfmakeraw
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s raw mode: %v", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// drain waits until the UART has sent every byte: power-off would cut the
// tail of the results otherwise.
func drain(port *os.File) {
	port.Sync()
	// TCSBRK with a non-zero argument is tcdrain.
	if err := unix.IoctlSetInt(int(port.Fd()), unix.TCSBRK, 1); err != nil {
		fmt.Fprintln(os.Stderr, "vminit: drain:", err)
	}
}

// runBinary runs one test binary with its output on out and returns its
// exit status, or -1 if it could not start or died of a signal, and how
// long it ran.
func runBinary(r vmproto.Run, env []string, out io.Writer) (int, time.Duration) {
	cmd := exec.Command(r.Path, r.Args...)
	cmd.Dir = r.Dir
	cmd.Env = append([]string{"PATH=/bin", "HOME=/tmp", "TMPDIR=/tmp"}, env...)
	cmd.Stdout, cmd.Stderr = out, out
	// Output into a buffer goes through a pipe that a stray process of
	// the binary's could hold open after the binary ended.
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	err := children.start(cmd)
	if err == nil {
		err = cmd.Wait()
		children.ended()
	}
	elapsed := time.Since(start)
	fmt.Fprintf(os.Stderr, "vminit: %s took %v\n", r.Pkg, elapsed.Round(time.Millisecond))
	if cmd.ProcessState == nil {
		fmt.Fprintf(out, "vminit: %v\n", err)
		return -1, elapsed
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		fmt.Fprintf(out, "vminit: %s killed by %v\n", r.Pkg, ws.Signal())
		return -1, elapsed
	}
	fmt.Fprintf(os.Stderr, "vminit: %s exit %d\n", r.Pkg, cmd.ProcessState.ExitCode())
	return cmd.ProcessState.ExitCode(), elapsed
}

// children counts the test binaries running, so that orphans are reaped
// only while none is: a wait for any child could take the status that an
// exec.Cmd is waiting for.
var children binaries

type binaries struct {
	sync.Mutex
	running int
}

// start starts cmd, a test binary.
func (b *binaries) start(cmd *exec.Cmd) error {
	b.Lock()
	defer b.Unlock()
	err := cmd.Start()
	if err == nil {
		b.running++
	}
	return err
}

// ended records that a binary started with start has been waited for,
// and reaps orphans if none runs now.
func (b *binaries) ended() {
	b.Lock()
	defer b.Unlock()
	if b.running--; b.running == 0 {
		reapOrphans()
	}
}

// reapOrphans collects processes that the test binaries' peers left to
// pid 1.
func reapOrphans() {
	for {
		pid, err := unix.Wait4(-1, nil, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

func powerOff() {
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	select {} // pid 1 must not return
}
