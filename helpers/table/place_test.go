package table

import (
	"runtime"
	"strings"
	"testing"
)

// With one P the probe's two spinners could only take turns through
// preemption, a turn per scheduler tick: it refuses at once instead of
// running for minutes.
func TestCachelineProbeRefusesOneP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	_, err := CachelineProbe(Placement{Name: "split", Self: 0, Peer: 1}, 20000)
	if err == nil || !strings.Contains(err.Error(), "GOMAXPROCS is 1") {
		t.Fatalf("CachelineProbe under GOMAXPROCS=1: %v, want a refusal naming GOMAXPROCS", err)
	}
}
