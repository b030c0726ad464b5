package posixshm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/shmring/ringtest"
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
	mine := filepath.Join(ringShmDir, proc.Prefix+strings.TrimPrefix(proc.Name(), proc.Prefix))
	mine = mine[:strings.LastIndexByte(mine, '.')+1] // the prefix and pid, with the dot
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
	t.Run("spin", func(t *testing.T) { ringtest.FullRingWaitsForSpace(t, SpinTransport, ringCapacity, nil) })
	t.Run("futex", func(t *testing.T) {
		ringtest.FullRingWaitsForSpace(t, FutexTransport, ringCapacity, ringtest.FutexSleep)
	})
	t.Run("eventfd", func(t *testing.T) {
		ringtest.FullRingWaitsForSpace(t, EventfdTransport, ringCapacity, ringtest.EventfdSleep)
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
