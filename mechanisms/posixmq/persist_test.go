package posixmq

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A queue and its messages outlive every process that opened it: made and
// filled by one process that exits, they are found whole by another, and
// stay until mq_unlink, after which the name is gone (ENOENT) (man 7
// mq_overview: kernel persistence).
func TestQueueOutlivesItsProcessesUntilUnlink(t *testing.T) {
	requireQueueIO(t)
	name := proc.Name()
	unlinkAtEnd(t, name)
	maker := spawnMq(t, proc.PeerSpec{})
	fd := maker.Ask(t, "open %s %#x 0o600 4 16", name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY)
	if _, err := strconv.Atoi(fd); err != nil {
		t.Fatalf("peer's mq_open with O_CREAT: %s", fd)
	}
	maker.Must(t, "ok", "snd %s 1:kept,2:too", fd)
	maker.Send(t, "exit")
	maker.RequireExit(t, 0)

	reader := spawnMq(t, proc.PeerSpec{})
	rfd := reader.open(t, name, unix.O_RDONLY)
	reader.Must(t, "2", "curmsgs %d", rfd)
	reader.Must(t, "2:too", "rcv %d 16", rfd)
	reader.Send(t, "exit")
	reader.RequireExit(t, 0)

	fd2, err := Open(name, unix.O_RDWR, 0, nil)
	if err != nil {
		t.Fatalf("mq_open after every opener exited: %s", sys.ErrnoName(err))
	}
	sys.Own(t, fd2)
	mustReceive(t, fd2, 16, "1:kept")
	if err := Unlink(name); err != nil {
		t.Fatalf("mq_unlink: %s", sys.ErrnoName(err))
	}
	_, err = Open(name, unix.O_RDWR, 0, nil)
	sys.RequireErrno(t, err, unix.ENOENT, "mq_open after mq_unlink")
}

// mq_unlink removes the name at once, while descriptors open in other
// processes keep working on the queue; a queue made under the name again
// is a new, empty one (man 3 mq_unlink).
func TestUnlinkKeepsOpenDescriptors(t *testing.T) {
	q := mkQueue(t, 0, 4, 16)
	peer := spawnMq(t, proc.PeerSpec{})
	pfd := peer.open(t, q.name, unix.O_RDWR|unix.O_NONBLOCK)
	mustSend(t, q.fd, "before", 1)
	peer.Must(t, "ok", "unlink %s", q.name)
	peer.Must(t, "ENOENT", "open %s %#x 0o600 0 0", q.name, unix.O_RDWR)

	peer.Must(t, "1:before", "rcv %d 16", pfd)
	peer.Must(t, "ok", "snd %d 3:after", pfd)
	mustReceive(t, q.fd, 16, "3:after")

	again := mkQueueNamed(t, q.name)
	mustSend(t, again, "new", 5)
	peer.Must(t, "EAGAIN", "rcv %d 16", pfd)
	mustReceive(t, again, 16, "5:new")
}

// mkQueueNamed makes a queue with O_CREAT|O_EXCL under name.
func mkQueueNamed(t *testing.T, name string) int {
	t.Helper()
	fd, err := Open(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR|unix.O_NONBLOCK, 0o600, &Attr{Maxmsg: 4, Msgsize: 16})
	if err != nil {
		t.Fatalf("mq_open(%s, O_CREAT|O_EXCL): %s", name, sys.ErrnoName(err))
	}
	unlinkAtEnd(t, name)
	return sys.Own(t, fd)
}

// Reading a queue's file under the mqueue filesystem shows QSIZE, the
// bytes of message text queued, and the notification fields, zero with no
// registration (man 7 mq_overview), as messages from another process come
// and go.
func TestQueueFileShowsQSIZE(t *testing.T) {
	requireMounted(t)
	q := mkQueue(t, 0, 4, 16)
	requireQsize := func(want string) {
		t.Helper()
		f := queueFile(t, q.name)
		if f["QSIZE"] != want {
			t.Fatalf("%s: QSIZE %q, want %s (fields %v)", q.name, f["QSIZE"], want, f)
		}
		for _, k := range []string{"NOTIFY", "SIGNO", "NOTIFY_PID"} {
			if f[k] != "0" {
				t.Fatalf("%s: %s %q with no notification registered, want 0", q.name, k, f[k])
			}
		}
	}
	requireQsize("0")
	peer := spawnMq(t, proc.PeerSpec{})
	pfd := peer.open(t, q.name, unix.O_RDWR)
	peer.Must(t, "ok", "snd %d 1:abc,2:hello", pfd)
	requireQsize("8")
	mustReceive(t, q.fd, 16, "2:hello")
	requireQsize("3")
}

func requireMounted(t *testing.T) {
	t.Helper()
	if !mqueueMounted() {
		t.Skipf("no mqueue filesystem at %s to read", mqueueDir)
	}
}

// queueFile reads the queue's file under the mqueue filesystem as its
// KEY:VALUE fields.
func queueFile(t *testing.T, name string) map[string]string {
	t.Helper()
	path := filepath.Join(mqueueDir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	out := map[string]string{}
	for _, f := range strings.Fields(string(data)) {
		k, v, ok := strings.Cut(f, ":")
		if !ok {
			t.Fatalf("%s holds %q, want KEY:VALUE fields", path, data)
		}
		out[k] = v
	}
	return out
}
