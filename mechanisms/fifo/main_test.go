package fifo

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers"
)

func TestMain(m *testing.M) { helpers.Main(m) }
