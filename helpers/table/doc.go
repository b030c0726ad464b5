// Package table is the machinery behind the classic IPC table: the registry
// of each mechanism's ping-pong transport, the contract every transport
// meets (exact payloads, order, an error rather than a hang when the peer
// dies), the ping-pong benchmark driver with named CPU placements, the
// floors measured in the same run, and the CPU clock of both processes.
package table
