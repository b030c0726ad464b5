package sysvshm

import (
	"syscall"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// A segment attached with SHM_RDONLY can be read, and a write through it
// kills the writer with SIGSEGV (seen in its wait status; the peer leaves
// SIGSEGV to the kernel, since Go would turn it into a panic). The bytes
// stay as they were.
func TestWriteThroughReadOnlyAttachKillsWithSIGSEGV(t *testing.T) {
	id := newSegment(t, pageSize, 0o600)
	_, mem := mustAttach(t, id, 0, pageSize)
	copy(mem, "original")
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "attach %d %d", id, SHM_RDONLY)
	peer.Must(t, "original", "read 0 0 8")
	peer.Must(t, "ok", "segv-default")
	peer.Send(t, "scribble 0 0 scribble") // a peer that survives the write exits 0
	peer.RequireSignal(t, syscall.SIGSEGV)
	if got := string(mem[:8]); got != "original" {
		t.Fatalf("after the failed write the segment holds %q, want %q", got, "original")
	}
	requireNattch(t, id, 1, "after the writer died")
}
