package eventfd

import (
	"strconv"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

func init() { proc.Register("counter", counterRole) }

// counterRole holds an eventfd, PeerFD(0), and acts on it on command, one
// answer line per command:
//
//	add N   one 8-byte write of N   -> ok | ERRNO
//	take    one 8-byte read         -> the value read | ERRNO
func counterRole([]string) int {
	fd := proc.PeerFD(0)
	for {
		cmd := proc.AwaitCommand()
		switch {
		case cmd[0] == "add" && len(cmd) == 2:
			n, err := strconv.ParseUint(cmd[1], 0, 64)
			proc.Check(err, "add")
			proc.Tell(proc.Answer(Add(fd, n)))
		case cmd[0] == "take" && len(cmd) == 1:
			proc.Tell(takeAnswer(Take(fd)))
		default:
			proc.Fatalf("counter: unknown command %q", cmd)
		}
	}
}

func takeAnswer(v uint64, err error) string {
	if err != nil {
		return proc.Answer(err)
	}
	return strconv.FormatUint(v, 10)
}

// spawnCounter starts a "counter" peer holding the eventfd fd.
func spawnCounter(t *testing.T, fd int) *proc.Peer {
	t.Helper()
	return proc.Spawn(t, "counter", proc.PeerSpec{Files: []int{fd}})
}
