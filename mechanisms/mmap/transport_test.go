package mmap

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/shmring"
	"github.com/ipcsuite/ipcsuite/helpers/shmring/ringtest"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

func TestRingTransportContract(t *testing.T) {
	for _, tr := range []table.Transport{SpinTransport, FutexTransport} {
		t.Run(tr.Name, func(t *testing.T) { table.Contract(t, tr) })
	}
}

// Both ends map the same file of the run's directory, shared: the peer's
// /proc/PID/maps lists that file with the s (shared) flag, over the whole
// ring.
func TestRingTransportPeerMapsTheFileShared(t *testing.T) {
	_, peer := table.OpenEnd(t, SpinTransport)
	maps, err := os.ReadFile("/proc/" + strconv.Itoa(peer.Pid) + "/maps")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(maps), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasSuffix(f[5], "/ring") || !strings.HasPrefix(f[5], os.TempDir()) {
			continue
		}
		if f[1] != "rw-s" {
			t.Fatalf("the peer maps the ring file %s, want rw-s: %s", f[1], line)
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, _ := strconv.ParseUint(lo, 16, 64)
		end, _ := strconv.ParseUint(hi, 16, 64)
		if int(end-start) < ringFileSize() {
			t.Fatalf("the peer maps %d bytes of the ring file, want %d: %s", end-start, ringFileSize(), line)
		}
		return
	}
	t.Fatalf("the peer maps no ring file of %s:\n%s", os.TempDir(), maps)
}

func TestRingTransportFutexReceiverSleepsUntilSent(t *testing.T) {
	ringtest.ReceiverSleepsUntilSent(t, FutexTransport, ringtest.FutexSleep)
}

func TestRingTransportFullRingWaitsForSpace(t *testing.T) {
	t.Run("spin", func(t *testing.T) { ringtest.FullRingWaitsForSpace(t, SpinTransport, shmring.RowCapacity, nil) })
	t.Run("futex", func(t *testing.T) {
		ringtest.FullRingWaitsForSpace(t, FutexTransport, shmring.RowCapacity, ringtest.FutexSleep)
	})
}

func TestRingTransportRecvDrainsThenEndsAfterTheOtherSideCloses(t *testing.T) {
	for _, tr := range []table.Transport{SpinTransport, FutexTransport} {
		t.Run(tr.Name, func(t *testing.T) { ringtest.RecvDrainsThenEnds(t, tr) })
	}
}

func TestRingTransportCloseWakesASleepingReceiver(t *testing.T) {
	ringtest.CloseWakesASleeper(t, FutexTransport, ringtest.FutexSleep)
}

func TestRingTransportSpinningReceiverSeesTheMessage(t *testing.T) {
	ringtest.SpinnerSeesTheMessage(t, SpinTransport)
}
