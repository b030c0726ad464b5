package pipe

// O_NOTIFICATION_PIPE (Linux 5.8, kernels built with CONFIG_WATCH_QUEUE):
// a pipe that carries kernel notifications, not data.

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// oNotificationPipe is O_NOTIFICATION_PIPE, which x/sys/unix lacks: the
// kernel reuses O_EXCL's bit, meaningless for pipe2.
const oNotificationPipe = unix.O_EXCL

// notificationPipe makes a notification pipe. It skips where the kernel is
// older than 5.8 (EINVAL: an unknown pipe2 flag) or built without watch
// queues (ENOPKG).
func notificationPipe(t *testing.T) (r, w int) {
	t.Helper()
	var p [2]int
	err := unix.Pipe2(p[:], oNotificationPipe|unix.O_CLOEXEC)
	if err == unix.ENOPKG {
		t.Skipf("pipe2(O_NOTIFICATION_PIPE): ENOPKG, Linux %s is built without CONFIG_WATCH_QUEUE", sys.KernelRelease())
	}
	sys.RequireFeature(t, "5.8", "pipe2(O_NOTIFICATION_PIPE)", err, unix.EINVAL)
	return sys.Own(t, p[0]), sys.Own(t, p[1])
}

func TestNotificationPipe(t *testing.T) {
	notificationPipe(t) // the whole test skips where the kernel has none
	t.Run("pipe2 accepts O_NOTIFICATION_PIPE", func(t *testing.T) {
		r, w := notificationPipe(t)
		if fl := statusFlags(t, r); fl&unix.O_ACCMODE != unix.O_RDONLY {
			t.Fatalf("read end's F_GETFL %#x, want O_RDONLY", fl)
		}
		if fl := statusFlags(t, w); fl&unix.O_ACCMODE != unix.O_WRONLY {
			t.Fatalf("write end's F_GETFL %#x, want O_WRONLY", fl)
		}
	})
	t.Run("splice from it fails EINVAL", func(t *testing.T) {
		r, _ := notificationPipe(t)
		_, w2 := sys.Pipe(t, 0)
		// Nonblocking, so that a kernel that allowed it would return EAGAIN
		// on the empty pipe rather than hang.
		res := sys.Returns(t, "splice from a notification pipe", sys.IO(func() (int, error) {
			n, err := unix.Splice(r, nil, w2, nil, 64, unix.SPLICE_F_NONBLOCK)
			return int(n), err
		}))
		sys.RequireErrno(t, res.Err, unix.EINVAL, "splice from a notification pipe")
	})
	t.Run("write into it fails EXDEV", func(t *testing.T) {
		_, w := notificationPipe(t)
		_, err := sys.Write(w, []byte("data"))
		sys.RequireErrno(t, err, unix.EXDEV, "write into a notification pipe")
	})
}
