package signals

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

func TestMain(m *testing.M) { proc.Main(m) }
