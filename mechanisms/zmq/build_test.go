package zmq

import "testing"

// The package's rules need libzmq 4: EFSM, the socket monitor's event
// values and ZMQ_LAST_ENDPOINT with a port the kernel chose.
func TestLibzmqIsVersion4(t *testing.T) {
	major, minor, patch, ok := libzmq()
	if !ok {
		t.Skip("mechanisms/zmq was built without the zmq build tag: " +
			"run go test -tags zmq (needs libzmq3-dev and pkg-config; make deps installs them)")
	}
	if major != 4 {
		t.Fatalf("libzmq %d.%d.%d; the package's rules are those of libzmq 4", major, minor, patch)
	}
	t.Logf("libzmq %d.%d.%d", major, minor, patch)
}
