package guest

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"time"
)

// Qemu is the emulator; TCG because /dev/kvm on these machines cannot run
// stock kernels.
const Qemu = "qemu-system-x86_64"

// A Boot is one guest run.
type Boot struct {
	Kernel  string    // vmlinuz
	Initrd  string    // the cpio from Initramfs
	Console string    // file that receives the kernel console (ttyS0)
	Results io.Writer // receives the results port (ttyS1) as the guest writes it
	Limit   time.Duration
}

// Args is the qemu command line: memory for several test binaries and
// their peers at once, no display, no reboot (a panic ends qemu instead
// of looping), the console on the first serial port and the results, raw,
// on the second, which is qemu's stdout.
func (b Boot) Args() []string {
	return []string{
		"-accel", "tcg,thread=multi", "-cpu", "max",
		"-smp", "2", "-m", "1024",
		"-nographic", "-no-reboot", "-monitor", "none", "-nic", "none",
		"-kernel", b.Kernel, "-initrd", b.Initrd,
		"-append", "console=ttyS0 panic=-1 quiet",
		"-serial", "file:" + b.Console,
		"-serial", "stdio",
	}
}

// Run boots the guest and waits for qemu to end: after the init powers
// off, on a kernel panic (-no-reboot), or when Limit passes.
func (b Boot) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, b.Limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, Qemu, b.Args()...)
	cmd.Stdin = nil // qemu's stdio chardev must not read a terminal
	cmd.Stdout = b.Results
	stderr, err := os.CreateTemp("", "qemu-stderr-*")
	if err != nil {
		return err
	}
	defer os.Remove(stderr.Name())
	defer stderr.Close()
	cmd.Stderr = stderr
	err = cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("guest still running after %v: killed", b.Limit)
	}
	if err != nil {
		msg, _ := os.ReadFile(stderr.Name())
		return fmt.Errorf("%s: %v: %s", Qemu, err, msg)
	}
	return nil
}

var trouble = regexp.MustCompile(`Kernel panic|Oops:|BUG:|general protection fault|Unable to handle`)

// Trouble returns the first console line that shows the kernel in trouble,
// or "".
func Trouble(console []byte) string {
	loc := trouble.FindIndex(console)
	if loc == nil {
		return ""
	}
	start, end := loc[0], loc[1]
	for start > 0 && console[start-1] != '\n' {
		start--
	}
	for end < len(console) && console[end] != '\n' && console[end] != '\r' {
		end++
	}
	return string(console[start:end])
}
