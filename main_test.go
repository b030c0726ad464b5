package ipcsuite_test

// The test binary of the top level: the contract (semantics_test.go) and
// the table (bench_test.go) run over every transport registered here.
// A new mechanism's transport joins both by one blank import.

import (
	"os"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/fifo"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/inet"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/mmap"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/pipe"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/posixmq"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/posixshm"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/signals"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/sysvmsg"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/sysvshm"
	_ "github.com/ipcsuite/ipcsuite/mechanisms/unixsock"
)

func TestMain(m *testing.M) {
	proc.Main(m, proc.OwnIPCNamespace)
	os.Exit(0) // not reached: Main exits
}
