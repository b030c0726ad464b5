package sysvsem

import (
	"testing"
	"time"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// sem_ctime is stamped by the calls that change the set rather than
// operate on it: SETALL by the test and IPC_SET by a peer each set it to
// the time of the call. Each runs once the coarse clock is past the last
// stamp, so a kernel that left sem_ctime alone would show the old stamp.
func TestSemCtimeChangesOnSetallAndIPCSet(t *testing.T) {
	id := newSet(t, 2, 0o600)
	created := stat(t, id).Ctime

	sysv.WaitPastStamp(t, created)
	before := time.Now().Unix()
	setAll(t, id, 4, 5)
	afterSetall := stat(t, id).Ctime
	sysv.RequireStamp(t, "sem_ctime after SETALL", afterSetall, before)
	if afterSetall == created {
		t.Fatalf("sem_ctime %d unchanged by SETALL", created)
	}

	sysv.WaitPastStamp(t, afterSetall)
	peer := spawnSem(t, proc.PeerSpec{})
	before = time.Now().Unix()
	peer.Must(t, "ok", "chmod %d %d", id, 0o640)
	afterSet := stat(t, id).Ctime
	sysv.RequireStamp(t, "sem_ctime after the peer's IPC_SET", afterSet, before)
	if afterSet == afterSetall {
		t.Fatalf("sem_ctime %d unchanged by IPC_SET", afterSet)
	}
}
