// Package inet holds ipcsuite's TCP and UDP loopback transports; its tests
// prove the TCP and UDP semantics of man 7 tcp, udp, ip and ipv6 between
// real processes, over IPv4 and IPv6 loopback, on ports the kernel picks.
package inet

import (
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Loopback addresses the package uses; nothing here leaves the machine.
const (
	LoopbackV4 = "127.0.0.1"
	LoopbackV6 = "::1"
	// MappedV4 is IPv4 loopback as an IPv6 socket names it.
	MappedV4 = "::ffff:127.0.0.1"
)

// Sockaddr is addr (an IPv4 or IPv6 literal) and port as a socket address:
// AF_INET for IPv4, AF_INET6 for IPv6 (v4-mapped ones included).
func Sockaddr(addr string, port int) (unix.Sockaddr, error) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return nil, err
	}
	if ip.Is4() {
		return &unix.SockaddrInet4{Addr: ip.As4(), Port: port}, nil
	}
	return &unix.SockaddrInet6{Addr: ip.As16(), Port: port}, nil
}

// Family is the address family a socket needs to reach addr.
func Family(addr string) int {
	if ip, err := netip.ParseAddr(addr); err == nil && ip.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// AddrPort renders a socket address as "ADDR:PORT" ("[ADDR]:PORT" for
// IPv6).
func AddrPort(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)).String()
	}
	return fmt.Sprintf("%T", sa)
}

// LocalPort is the port a socket is bound to (getsockname).
func LocalPort(fd int) (int, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, err
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return a.Port, nil
	case *unix.SockaddrInet6:
		return a.Port, nil
	}
	return 0, fmt.Errorf("getsockname: %T is not an inet address", sa)
}
