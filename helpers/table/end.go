package table

import (
	"strings"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

func endRole(tr Transport) string { return "end/" + tr.Name }

// OpenEnd opens tr and starts a scripted peer on its other end, for tests
// of a transport's own behaviour (hang-up, a dead peer, a full channel).
// The peer attaches, and then acts on one command at a time (Peer.Ask,
// Peer.Must), answering each on one line:
//
//	send TEXT       one message of TEXT         -> ok | error
//	recv SIZE       one message of SIZE bytes   -> its text | error
//	send N SIZE     N messages of SIZE bytes    -> ok | the first error
//	recv N SIZE     N messages of SIZE bytes    -> ok | the first error
//	close           Close its end               -> ok | error
//	exit            exit 0 without closing
//
// An error is rendered as proc.Answer does: the errno's name, or "EOF".
func OpenEnd(t testing.TB, tr Transport) (Endpoint, *proc.Peer) {
	t.Helper()
	ep, spec := tr.Open(t)
	peer := proc.Spawn(t, endRole(tr), spec)
	peer.Expect(t, "attached")
	return ep, peer
}

func scriptedEnd(tr Transport, args []string) int {
	ep, err := tr.Attach(args)
	proc.Check(err, "attach "+tr.Name)
	proc.Tell("attached")
	for {
		cmd := proc.AwaitCommand()
		switch {
		case cmd[0] == "send" && len(cmd) == 2:
			proc.Tell(proc.Answer(ep.Send([]byte(cmd[1]))))
		case cmd[0] == "recv" && len(cmd) == 2:
			buf := make([]byte, cmd.Num(1))
			if err := ep.Recv(buf); err != nil {
				proc.Tell(proc.Answer(err))
			} else {
				proc.Tell(string(buf))
			}
		case (cmd[0] == "send" || cmd[0] == "recv") && len(cmd) == 3:
			msg := make([]byte, cmd.Num(2))
			var err error
			for i := 0; i < cmd.Num(1) && err == nil; i++ {
				if cmd[0] == "recv" {
					err = ep.Recv(msg)
				} else {
					err = ep.Send(msg)
				}
			}
			proc.Tell(proc.Answer(err))
		case cmd[0] == "close" && len(cmd) == 1:
			proc.Tell(proc.Answer(ep.Close()))
		case cmd[0] == "exit" && len(cmd) == 1:
			return 0
		default:
			proc.Fatalf("%s end: unknown command %q", tr.Name, strings.Join(cmd, " "))
		}
	}
}
