//go:build zmq

package zmq

import (
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/table"
)

var transports = []table.Transport{IPC, TCP}

// The transport contract over both transports (the top level's
// TestContract runs it too, built with the zmq tag).
func TestTransportContract(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.Name, func(t *testing.T) { table.Contract(t, tr) })
	}
}
