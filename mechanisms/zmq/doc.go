// Package zmq holds ipcsuite's ZeroMQ transports and tests: libzmq through
// github.com/pebbe/zmq4, over tcp on IPv4 loopback and over ipc (a socket
// file under the run directory). It tests a library rather than the
// kernel.
//
// Everything that calls libzmq (cgo) is built only with the zmq build tag
// (go test -tags zmq; it needs libzmq's headers and pkg-config, which
// make deps installs), so that the rest of the suite builds with CGO off
// and on machines without libzmq. Built without the tag, the package holds
// one test, which skips and says so.
package zmq
