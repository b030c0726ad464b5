package zmq

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// ipc socket files live under the run directory: the leak check sees a
// file left behind, and a listening tcp socket left open.
func TestMain(m *testing.M) { proc.Main(m) }
