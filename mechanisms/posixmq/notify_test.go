package posixmq

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The value the tests register with sigev_value: both halves non-zero, so
// that a kernel passing on only sival_int, or nothing, is caught.
const notifyValue = 0x1234_5678_9abc_def0

// requireNotify skips where the test cannot speak mq_notify: a Sigevent
// layout this architecture may not have, or a kernel without the call.
func requireNotify(t *testing.T) {
	t.Helper()
	requireQueueIO(t)
	if !SigeventKnown {
		t.Skipf("struct sigevent is laid out here for amd64 and arm64 only, not %s", runtime.GOARCH)
	}
	if err := Notify(-1, nil); err == unix.ENOSYS {
		t.Skipf("the kernel (%s) has no mq_notify (ENOSYS)", sys.KernelRelease())
	}
}

// spawnNotified starts an "mq" peer whose every thread blocks
// notifySignal, which it reads with the "sig" and "nosig" commands.
func spawnNotified(t *testing.T, spec proc.PeerSpec) mqPeer {
	t.Helper()
	return mqPeer{proc.Spawn(t, "mq-notified", spec)}
}

// register makes the peer open the queue and register for notifySignal
// with notifyValue, and returns the peer's fd.
func (p mqPeer) register(t *testing.T, name string) int {
	t.Helper()
	fd := p.open(t, name, unix.O_RDONLY)
	p.Must(t, "ok", "notify %d %d %#x", fd, notifySignal, notifyValue)
	return fd
}

// notification is how the notified peer renders the signal mq_notify
// sends for a message from process pid of user uid.
func notification(pid, uid int) string {
	value := uint64(notifyValue)
	return fmt.Sprintf("signo %d code %d pid %d uid %d int %d ptr %#x",
		notifySignal, SiMesgq, pid, uid, int32(uint32(value)), value)
}

// requireRegistered fails unless some process holds the queue's
// registration: the test's own attempt to register is then EBUSY.
func requireRegistered(t *testing.T, q queue, what string) {
	t.Helper()
	err := Notify(q.fd, &Sigevent{Notify: SigevNone})
	if err == nil {
		Notify(q.fd, nil)
		t.Fatalf("%s: the test could register, so no registration was left", what)
	}
	sys.RequireErrno(t, err, unix.EBUSY, what+": the test's mq_notify")
}

// One process at a time holds a queue's registration: another process's
// mq_notify is EBUSY, and so is the holder's own second one; mq_notify
// with no sigevent removes the registration only when the holder calls it
// (from another process it returns 0 and changes nothing), after which
// another process may register and the former holder gets no signal (man
// 3 mq_notify).
func TestNotifyOneRegistrationPerQueue(t *testing.T) {
	requireNotify(t)
	q := mkQueue(t, 0, 4, 16)
	holder := spawnNotified(t, proc.PeerSpec{})
	hfd := holder.register(t, q.name)
	holder.Must(t, "EBUSY", "notify %d %d 1", hfd, notifySignal)

	other := spawnMq(t, proc.PeerSpec{})
	ofd := other.open(t, q.name, unix.O_RDONLY)
	other.Must(t, "EBUSY", "notify-none %d 0", ofd)
	other.Must(t, "ok", "unnotify %d", ofd)
	other.Must(t, "EBUSY", "notify-none %d 0", ofd)

	holder.Must(t, "ok", "unnotify %d", hfd)
	other.Must(t, "ok", "notify-none %d 0", ofd)
	holder.Must(t, "EBUSY", "notify %d %d 1", hfd, notifySignal)
	mustSend(t, q.fd, "after", 1)
	holder.Must(t, "none", "nosig")
}

// A message that arrives on a queue already holding one notifies no one,
// and the registration stays for the queue's next arrival while empty
// (man 7 mq_overview: notification on a message to an empty queue).
func TestNotifyOnlyWhenTheQueueWasEmpty(t *testing.T) {
	requireNotify(t)
	q := mkQueue(t, 0, 4, 16)
	mustSend(t, q.fd, "first", 1)
	notified := spawnNotified(t, proc.PeerSpec{})
	notified.register(t, q.name)

	sender := spawnMq(t, proc.PeerSpec{})
	sfd := sender.open(t, q.name, unix.O_WRONLY)
	sender.Must(t, "ok", "snd %d 1:second", sfd)
	notified.Must(t, "none", "nosig")
	requireRegistered(t, q, "after a message to a non-empty queue")

	if got := drain(t, q.fd); len(got) != 2 {
		t.Fatalf("drained %q, want first and second", got)
	}
	sender.Must(t, "ok", "snd %d 1:third", sfd)
	notified.Must(t, notification(sender.Pid, unix.Getuid()), "sig")
}

// While a process sleeps in mq_receive on the empty queue, a message goes
// straight to it and nobody is notified; the registration stays, and the
// next message, with no receiver waiting, notifies (man 3 mq_notify).
func TestNotifyNotWhileAReceiverWaits(t *testing.T) {
	requireNotify(t)
	q := mkQueue(t, 0, 4, 16)
	notified := spawnNotified(t, proc.PeerSpec{})
	notified.register(t, q.name)

	receiver := spawnMq(t, proc.PeerSpec{})
	rfd := receiver.open(t, q.name, unix.O_RDONLY)
	receiver.Start(t, "rcv %d 16", rfd)
	receiver.requireBlocked(t, "mq_receive on an empty queue")
	mustSend(t, q.fd, "taken", 2)
	receiver.Expect(t, "2:taken")
	notified.Must(t, "none", "nosig")
	requireRegistered(t, q, "after a message handed to a waiting receiver")

	mustSend(t, q.fd, "queued", 3)
	notified.Must(t, notification(unix.Getpid(), unix.Getuid()), "sig")
}

// A notification removes the registration: one signal comes, the next
// message to the emptied queue sends none, another process may register
// at once, and the notified process may register again (man 3 mq_notify).
func TestNotifyFiresOnce(t *testing.T) {
	requireNotify(t)
	q := mkQueue(t, 0, 4, 16)
	notified := spawnNotified(t, proc.PeerSpec{})
	nfd := notified.register(t, q.name)

	mustSend(t, q.fd, "one", 1)
	notified.Must(t, notification(unix.Getpid(), unix.Getuid()), "sig")
	notified.Must(t, "none", "nosig")
	mustReceive(t, q.fd, 16, "1:one")
	mustSend(t, q.fd, "two", 1)
	notified.Must(t, "none", "nosig")

	other := spawnMq(t, proc.PeerSpec{})
	ofd := other.open(t, q.name, unix.O_RDONLY)
	other.Must(t, "ok", "notify-none %d 0", ofd)
	other.Must(t, "ok", "unnotify %d", ofd)

	notified.Must(t, "ok", "notify %d %d %#x", nfd, notifySignal, notifyValue)
	mustReceive(t, q.fd, 16, "1:two")
	mustSend(t, q.fd, "three", 1)
	notified.Must(t, notification(unix.Getpid(), unix.Getuid()), "sig")
}

// SIGEV_SIGNAL sends the registered signal with si_code SI_MESGQ,
// si_value as registered, and the pid and real uid of the process whose
// mq_send notified, not the registered process's (man 3 mq_notify). The
// senders are peers: one of root, one of another uid.
func TestNotifySignalCarriesTheSender(t *testing.T) {
	requireNotify(t)
	for _, c := range []struct {
		rule  string
		other bool
	}{
		{"sender_of_the_same_uid", false},
		{"sender_of_another_uid", true},
	} {
		t.Run(c.rule, func(t *testing.T) {
			spec, uid := proc.PeerSpec{}, unix.Getuid()
			if c.other {
				spec.Credential = sys.OtherUID(t)
				uid = int(spec.Credential.Uid)
			}
			q := mkQueue(t, 0, 4, 16)
			if err := unix.Fchmod(q.fd, 0o602); err != nil {
				t.Fatalf("fchmod(0602) on the queue: %s", sys.ErrnoName(err))
			}
			notified := spawnNotified(t, proc.PeerSpec{})
			notified.register(t, q.name)
			sender := spawnMq(t, spec)
			sfd := sender.open(t, q.name, unix.O_WRONLY)
			sender.Must(t, "ok", "snd %d 5:hi", sfd)
			notified.Must(t, notification(sender.Pid, uid), "sig")
			mustReceive(t, q.fd, 16, "5:hi")
		})
	}
}

// SIGEV_NONE registers without a signal: the queue is taken (EBUSY for
// others), a message to the empty queue sends nothing, not even the
// sigev_signo given with it, and still uses up the registration.
func TestNotifyNoneSendsNoSignal(t *testing.T) {
	requireNotify(t)
	q := mkQueue(t, 0, 4, 16)
	notified := spawnNotified(t, proc.PeerSpec{})
	nfd := notified.open(t, q.name, unix.O_RDONLY)
	notified.Must(t, "ok", "notify-none %d %d", nfd, notifySignal)
	requireRegistered(t, q, "after SIGEV_NONE")
	mustSend(t, q.fd, "quiet", 1)
	notified.Must(t, "none", "nosig")
	requireUnregistered(t, q, "after the SIGEV_NONE registration fired")
}

// The queue's file shows the registration while it lasts: NOTIFY is the
// sigev_notify (SIGEV_SIGNAL's value is the one an empty field shows, so
// the pid tells it apart), SIGNO the signal for SIGEV_SIGNAL and none for
// SIGEV_NONE, NOTIFY_PID the holder's pid; all three are cleared once the
// notification has fired or been removed (man 7 mq_overview).
func TestQueueFileShowsNotification(t *testing.T) {
	requireNotify(t)
	requireMounted(t)
	q := mkQueue(t, 0, 4, 16)
	requireFields := func(notify, signo, pid int) {
		t.Helper()
		f := queueFile(t, q.name)
		want := map[string]string{"NOTIFY": strconv.Itoa(notify), "SIGNO": strconv.Itoa(signo), "NOTIFY_PID": strconv.Itoa(pid)}
		for k, v := range want {
			if f[k] != v {
				t.Fatalf("%s: %s %q, want %s (fields %v)", q.name, k, f[k], v, f)
			}
		}
	}
	notified := spawnNotified(t, proc.PeerSpec{})
	nfd := notified.register(t, q.name)
	requireFields(SigevSignal, int(notifySignal), notified.Pid)
	mustSend(t, q.fd, "a", 1)
	notified.Must(t, notification(unix.Getpid(), unix.Getuid()), "sig")
	requireFields(0, 0, 0)

	mustReceive(t, q.fd, 16, "1:a")
	notified.Must(t, "ok", "notify-none %d %d", nfd, notifySignal)
	requireFields(SigevNone, 0, notified.Pid)
	notified.Must(t, "ok", "unnotify %d", nfd)
	requireFields(0, 0, 0)
}

// The registration belongs to the holder's use of the queue: it goes when
// the holder closes a descriptor of the queue, and when the holder exits
// (ipc/mqueue.c removes it on the holder's flush of the file).
func TestNotifyEndsWithTheHolder(t *testing.T) {
	requireNotify(t)
	t.Run("holder_closes", func(t *testing.T) {
		q := mkQueue(t, 0, 4, 16)
		holder := spawnNotified(t, proc.PeerSpec{})
		hfd := holder.register(t, q.name)
		requireRegistered(t, q, "while the holder has the queue open")
		holder.Must(t, "ok", "close %d", hfd)
		requireUnregistered(t, q, "after the holder closed its descriptor")
	})
	t.Run("holder_exits", func(t *testing.T) {
		q := mkQueue(t, 0, 4, 16)
		holder := spawnNotified(t, proc.PeerSpec{})
		holder.register(t, q.name)
		requireRegistered(t, q, "while the holder runs")
		holder.Send(t, "exit")
		holder.RequireExit(t, 0)
		requireUnregistered(t, q, "after the holder exited")
	})
}

// requireUnregistered fails unless the queue is free to register for: the
// test registers, and removes its registration again.
func requireUnregistered(t *testing.T, q queue, what string) {
	t.Helper()
	if err := Notify(q.fd, &Sigevent{Notify: SigevNone}); err != nil {
		t.Fatalf("%s: the test's mq_notify: %s, want the queue free", what, sys.ErrnoName(err))
	}
	if err := Notify(q.fd, nil); err != nil {
		t.Fatalf("mq_notify(NULL) by the holder: %s", sys.ErrnoName(err))
	}
}

// mq_notify refuses a descriptor that is not a queue with EBADF, and a
// sigev_notify it does not know or a signal number above the last with
// EINVAL, registering nothing (man 3 mq_notify).
func TestNotifyRefusesBadArguments(t *testing.T) {
	requireNotify(t)
	q := mkQueue(t, 0, 4, 16)
	r, _ := sys.Pipe(t, 0)
	for _, c := range []struct {
		rule string
		fd   int
		ev   Sigevent
		want unix.Errno
	}{
		{"not_a_queue_EBADF", r, Sigevent{Notify: SigevNone}, unix.EBADF},
		{"unknown_sigev_notify_EINVAL", q.fd, Sigevent{Notify: 7}, unix.EINVAL},
		{"signal_above_the_last_EINVAL", q.fd, Sigevent{Notify: SigevSignal, Signo: 65}, unix.EINVAL},
	} {
		t.Run(c.rule, func(t *testing.T) {
			err := Notify(c.fd, &c.ev)
			if err == nil && c.fd == q.fd {
				Notify(q.fd, nil)
			}
			sys.RequireErrno(t, err, c.want, "mq_notify")
			requireUnregistered(t, q, "after the refused mq_notify")
		})
	}
}
