//go:build zmq

package ipcsuite_test

// The ZeroMQ transports join the contract and the table only in a build
// with the zmq tag (cgo and libzmq): see mechanisms/zmq.
import _ "github.com/ipcsuite/ipcsuite/mechanisms/zmq"
