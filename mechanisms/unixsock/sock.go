// Package unixsock holds ipcsuite's unix domain socket transports; its
// tests prove the semantics of man 7 unix between real processes.
package unixsock

import (
	"golang.org/x/sys/unix"
)

// Types names the three unix socket types the package covers.
var Types = map[int]string{
	unix.SOCK_STREAM:    "stream",
	unix.SOCK_DGRAM:     "dgram",
	unix.SOCK_SEQPACKET: "seqpacket",
}

// TypeOf returns the socket type named name, or -1.
func TypeOf(name string) int {
	for typ, n := range Types {
		if n == name {
			return typ
		}
	}
	return -1
}

// Addr is the socket address of a path, or of an abstract name written
// with a leading '@' (Go's notation for the leading NUL byte).
func Addr(name string) *unix.SockaddrUnix { return &unix.SockaddrUnix{Name: name} }
