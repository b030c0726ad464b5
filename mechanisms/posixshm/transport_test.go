package posixshm

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/shmring"
	"github.com/ipcsuite/ipcsuite/helpers/shmring/ringtest"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

var ringTransports = []table.Transport{SpinTransport, FutexTransport, EventfdTransport}

func TestRingTransportContract(t *testing.T) {
	for _, tr := range ringTransports {
		t.Run(tr.Name, func(t *testing.T) { table.Contract(t, tr) })
	}
}

// The spin and futex variants share an object of /dev/shm named with the
// suite's prefix and this process's pid, which the peer opened by name and
// the test removes when it ends.
func TestRingTransportNamedObjectLivesInDevShm(t *testing.T) {
	mine := filepath.Join(ringShmDir, proc.Prefix+strconv.Itoa(os.Getpid())+".")
	var found string
	t.Run("open", func(t *testing.T) {
		table.OpenEnd(t, FutexTransport)
		names, _ := filepath.Glob(mine + "*")
		if len(names) != 1 {
			t.Fatalf("objects %s* in %s while the transport is open: %q, want one", mine, ringShmDir, names)
		}
		found = names[0]
		st, err := os.Stat(found)
		if err != nil || st.Size() < int64(ringBytes()) {
			t.Fatalf("%s: %v bytes, %v; want %d", found, st.Size(), err, ringBytes())
		}
	})
	if _, err := os.Stat(found); !os.IsNotExist(err) {
		t.Fatalf("%s after the test ended: %v, want it removed", found, err)
	}
}

func TestRingTransportReceiverSleepsUntilSent(t *testing.T) {
	t.Run("futex", func(t *testing.T) { ringtest.ReceiverSleepsUntilSent(t, FutexTransport, ringtest.FutexSleep) })
	t.Run("eventfd", func(t *testing.T) {
		ringtest.ReceiverSleepsUntilSent(t, EventfdTransport, ringtest.EventfdSleep)
	})
}

func TestRingTransportFullRingWaitsForSpace(t *testing.T) {
	t.Run("spin", func(t *testing.T) { ringtest.FullRingWaitsForSpace(t, SpinTransport, shmring.RowCapacity, nil) })
	t.Run("futex", func(t *testing.T) {
		ringtest.FullRingWaitsForSpace(t, FutexTransport, shmring.RowCapacity, ringtest.FutexSleep)
	})
	t.Run("eventfd", func(t *testing.T) {
		ringtest.FullRingWaitsForSpace(t, EventfdTransport, shmring.RowCapacity, ringtest.EventfdSleep)
	})
}

func TestRingTransportRecvDrainsThenEndsAfterTheOtherSideCloses(t *testing.T) {
	for _, tr := range ringTransports {
		t.Run(tr.Name, func(t *testing.T) { ringtest.RecvDrainsThenEnds(t, tr) })
	}
}

func TestRingTransportCloseWakesASleepingReceiver(t *testing.T) {
	t.Run("futex", func(t *testing.T) { ringtest.CloseWakesASleeper(t, FutexTransport, ringtest.FutexSleep) })
	t.Run("eventfd", func(t *testing.T) { ringtest.CloseWakesASleeper(t, EventfdTransport, ringtest.EventfdSleep) })
}

func TestRingTransportSpinningReceiverSeesTheMessage(t *testing.T) {
	ringtest.SpinnerSeesTheMessage(t, SpinTransport)
}

// The proof of a futex sleep is not fooled by the Go runtime's own
// FUTEX_WAIT_PRIVATE sleeps, which every Go process has: a receiver asleep
// in read(2) of an eventfd is not asleep in a shared FUTEX_WAIT, and the
// eventfd proof does not take a process merely asleep elsewhere.
func TestRingTransportSleepProofsTellTheSleepsApart(t *testing.T) {
	_, peer := table.OpenEnd(t, EventfdTransport)
	if !ringtest.SyscallsShown(peer.Pid) {
		t.Skipf("kernel %s shows no system calls of its processes: the proofs fall back to silence and have nothing to tell apart", sys.KernelRelease())
	}
	peer.Send(t, "recv 1 100")
	ringtest.EventfdSleep(t, peer.Pid, func() { peer.RequireSilent(t, "Recv with nothing sent") })
	if fatal := failsWith(t, func(tb testing.TB) { ringtest.FutexSleep(tb, peer.Pid, func() {}) }); fatal == "" {
		t.Fatal("FutexSleep passed a peer asleep in read(2) of an eventfd")
	}
	if fatal := failsWith(t, func(tb testing.TB) { ringtest.EventfdSleep(tb, os.Getpid(), func() {}) }); fatal == "" {
		t.Fatal("EventfdSleep passed the test process, which reads no eventfd")
	}
}

// failsWith runs check against a testing.TB whose Fatalf ends the check and
// is recorded, and returns what Fatalf said ("" when the check passed).
func failsWith(t *testing.T, check func(testing.TB)) string {
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	return r.fatal
}

type fatalRecorder struct {
	testing.TB
	fatal string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
