//go:build zmq

package zmq

import (
	"errors"
	"os"
	"runtime"
	"testing"
	"time"

	zmq4 "github.com/pebbe/zmq4"
	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Go preempts goroutines with SIGURG, and any signal that lands on a
// thread in libzmq's blocking receive interrupts it (poll is never
// restarted). zmq4's retry, on in every Socket, keeps the receive waiting:
// it calls again with the whole ZMQ_RCVTIMEO, so a receive ends with
// EAGAIN no sooner than RCVTIMEO after the last signal. With the retry
// off, a signal surfaces as EINTR.
func TestEINTR(t *testing.T) {
	t.Run("recv waits on through signals with the retry on", func(t *testing.T) {
		pull := newSocket(t, zmq4.PULL)
		defer mustClose(t, pull)
		bound(t, pull, "tcp://127.0.0.1:0")
		if err := pull.SetRcvtimeo(sys.BlockBound()); err != nil {
			t.Fatalf("ZMQ_RCVTIMEO: %s", ErrName(err))
		}
		sent := signalThread(unix.Gettid(), signals, nil)
		var err error
		waited := timed(func() { _, _, err = pull.Recv() })
		if n := <-sent; n != signals {
			t.Fatalf("%d of %d signals sent while recv waited", n, signals)
		}
		sys.RequireErrno(t, err, unix.EAGAIN, "recv of nothing while signalled")
		if waited < sys.BlockBound()-time.Millisecond {
			t.Fatalf("recv returned after %v, before ZMQ_RCVTIMEO (%v)", waited, sys.BlockBound())
		}
	})
	t.Run("recv fails with EINTR with the retry off", func(t *testing.T) {
		pull := newSocket(t, zmq4.PULL)
		defer mustClose(t, pull)
		bound(t, pull, "tcp://127.0.0.1:0")
		pull.SetRetryEINTR(false)
		defer pull.SetRetryEINTR(true)
		returned := make(chan struct{})
		sent := signalThread(unix.Gettid(), 1000, returned)
		_, _, err := pull.Recv()
		close(returned)
		<-sent
		sys.RequireErrno(t, err, unix.EINTR, "recv of nothing while signalled, without the retry")
	})
}

// signals is how many signals signalThread sends, a millisecond apart:
// all within BlockBound.
const signals = 5

// signalThread sends up to n SIGURGs (the runtime's own preemption
// signal, which it ignores when unasked) to thread tid of this process, a
// millisecond apart, stopping early when stop closes, and then says how
// many it sent.
func signalThread(tid, n int, stop <-chan struct{}) <-chan int {
	sent := make(chan int, 1)
	go func() {
		count := 0
		for range n {
			select {
			case <-stop:
				sent <- count
				return
			case <-time.After(time.Millisecond): // spacing, not synchronisation
			}
			if unix.Tgkill(os.Getpid(), tid, unix.SIGURG) == nil {
				count++
			}
		}
		sent <- count
	}()
	return sent
}

// A socket belongs to the thread that made it: a call from another thread
// fails without reaching libzmq, whose sockets are not thread-safe.
func TestSocketRefusesOtherThreads(t *testing.T) {
	s := newSocket(t, zmq4.PUSH)
	defer mustClose(t, s)
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // a thread of its own, never the test's
		defer runtime.UnlockOSThread()
		errc <- s.Send([]byte("stray"), false)
	}()
	if err := <-errc; !errors.Is(err, errWrongThread) {
		t.Fatalf("send from another thread: %v, want %v", err, errWrongThread)
	}
}
