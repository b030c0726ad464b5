package shmring

import (
	"os"
	"strings"
)

// tune holds the ring's layout and polling choices that favour one
// microarchitecture over another, so that a run can compare them without
// a rebuild: IPCSUITE_SHMRING is a comma-separated list of
//
//	pause      PAUSE (YIELD on arm64) in every spinning poll
//	noclaim    no early claim of the next cell's lines (claimNext)
//	headfirst  the message copied in order, its first line first
//	seqcst     a spinning ring publishes with a sequentially consistent
//	           store (XCHG on amd64) instead of a plain release store
//	claimall   claimNext after messages of every size, not only small ones
//	onecopy    a message copied by one copy, whatever its size (the Go
//	           runtime then uses non-temporal stores for the largest)
//	avxcopy    large messages copied by Go's memmove rather than REP MOVSB
//
// Peers inherit the environment, so both ends agree. Unset: the defaults,
// which are what the table runs.
var tune struct{ pause, noClaim, headFirst, seqCst, claimAll, oneCopy, avxCopy bool }

func init() {
	for _, f := range strings.Split(os.Getenv("IPCSUITE_SHMRING"), ",") {
		switch strings.TrimSpace(f) {
		case "pause":
			tune.pause = true
		case "noclaim":
			tune.noClaim = true
		case "headfirst":
			tune.headFirst = true
		case "seqcst":
			tune.seqCst = true
		case "claimall":
			tune.claimAll = true
		case "onecopy":
			tune.oneCopy = true
		case "avxcopy":
			tune.avxCopy = true
		}
	}
}
