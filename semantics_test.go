package ipcsuite_test

import (
	"os"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/table"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/fifo"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/pipe"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/sysvmsg"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/sysvshm"
)

func TestMain(m *testing.M) {
	proc.Main(m, proc.OwnIPCNamespace)
	os.Exit(0) // not reached: Main exits
}

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
