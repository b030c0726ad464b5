package sysvsem

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// The tests run in an IPC namespace of their own: the leak check then sees
// only this package's semaphore sets, and the limits they read are the
// namespace's.
func TestMain(m *testing.M) { proc.Main(m, proc.OwnIPCNamespace) }
