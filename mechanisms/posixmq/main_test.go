package posixmq

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// mqueueDir is where the mqueue filesystem lists the queues of the IPC
// namespace it was mounted in.
const mqueueDir = "/dev/mqueue"

// mqueueMagic is the mqueue filesystem's f_type (linux/magic.h), which
// x/sys/unix lacks.
const mqueueMagic = 0x19800202

// The tests run in the machine's IPC namespace, not one of their own: a
// mount of the mqueue filesystem shows the queues of the namespace that
// mounted it, so only there does /dev/mqueue list this run's queues for
// the leak check and the QSIZE test. Names carrying the run's prefix keep
// the queues apart from other runs'.
func TestMain(m *testing.M) { proc.Main(m, mountMqueue) }

// mqueueMounted tells whether /dev/mqueue is a mount of the mqueue
// filesystem.
func mqueueMounted() bool {
	var st unix.Statfs_t
	return unix.Statfs(mqueueDir, &st) == nil && st.Type == mqueueMagic
}

// mountMqueue mounts the mqueue filesystem at /dev/mqueue where it is
// absent and the process may, and says so when it cannot.
func mountMqueue() {
	if mqueueMounted() {
		return
	}
	err := os.MkdirAll(mqueueDir, 0o755)
	if err == nil {
		err = unix.Mount("mqueue", mqueueDir, "mqueue", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ipcsuite: no mqueue filesystem at %s (%v): queues cannot be listed, the leak check misses them and the tests that read it skip\n", mqueueDir, err)
	}
}
