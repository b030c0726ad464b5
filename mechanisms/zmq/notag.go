//go:build !zmq

package zmq

// libzmq reports the library's version; without the zmq tag there is none.
func libzmq() (major, minor, patch int, ok bool) { return 0, 0, 0, false }
