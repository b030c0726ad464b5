package sysv

import (
	"testing"
	"time"
)

// The kernel stamps SysV IPC times (sem_otime, shm_atime, msg_stime and
// the rest) in whole seconds of a coarse clock that advances once per
// timer tick: just after a second boundary it can still read the previous
// second. A stamp can therefore be one less than a time.Now().Unix() taken
// before the call that made it, never more than now.

// RequireStamp fails unless stamp, made by a call that started after
// before (time.Now().Unix() read just before the call), lies in
// [before-1, now]: the one second below admits the coarse clock's lag.
func RequireStamp(t testing.TB, what string, stamp, before int64) {
	t.Helper()
	if now := time.Now().Unix(); stamp < before-1 || stamp > now {
		t.Fatalf("%s = %d, want the time of the call: in [%d, %d] (one second of lag allowed)", what, stamp, before-1, now)
	}
}

// WaitPastStamp sleeps until even a lagging coarse clock reads a later
// second than stamp: until time.Now() reaches stamp+2, one second for the
// stamp's own second to end and one for the lag. A call made afterwards
// whose stamp lies in RequireStamp's window then differs from stamp, which
// proves that call set it; a stamp that stays equal proves the call left it
// alone. It waits for the clock, not for another process. A stamp later
// than now fails the test rather than wait for it.
func WaitPastStamp(t testing.TB, stamp int64) {
	t.Helper()
	if now := time.Now().Unix(); stamp > now {
		t.Fatalf("kernel stamp %d is later than now, %d", stamp, now)
	}
	time.Sleep(time.Until(time.Unix(stamp+2, 0)))
}
