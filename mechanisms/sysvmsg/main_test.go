package sysvmsg

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// The tests run in an IPC namespace of their own: the leak check then sees
// only this package's queues, and the limits they read (msgmax, msgmnb,
// msgmni) and the counts of MSG_INFO are the namespace's.
func TestMain(m *testing.M) { proc.Main(m, proc.OwnIPCNamespace) }
