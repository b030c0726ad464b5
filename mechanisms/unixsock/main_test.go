package unixsock

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// Socket files live under the run directory, abstract names carry the
// run's prefix: the leak check sees a socket file left behind.
func TestMain(m *testing.M) { proc.Main(m) }
