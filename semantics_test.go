package ipcsuite_test

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// TestContract runs the transport contract against every mechanism's
// ping-pong transport.
func TestContract(t *testing.T) {
	trs := table.Transports()
	if len(trs) == 0 {
		t.Fatal("no transports registered")
	}
	for _, tr := range trs {
		t.Run(tr.Name, func(t *testing.T) { table.Contract(t, tr) })
	}
}
