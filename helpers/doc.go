// Package helpers is the ground floor of ipcsuite: the packages under it
// are what every mechanism package builds on, each with one concern.
//
//   - sys: system calls retried on EINTR (raw in a benchmark loop), errno
//     names, fd ownership, CPU pinning, kernel and capability gates, and the
//     proofs built on them: a call blocks, a call returns at once.
//   - proc: peer processes: roles, spawning, the control channel and the
//     scripted-peer protocol, the run directory and names, the leak check,
//     the IPC namespace of a package's tests.
//   - table: the ping-pong transports behind the classic table: their
//     registry, the contract every transport meets, the benchmark driver,
//     placements and floors.
//   - shmring: a message ring over shared memory with its mapping and futex
//     primitives, for the shared-memory transports.
//   - stream: the record format and writer roles of byte-stream mechanisms.
//   - sysv: System V IPC keys and limits.
//
// The tests in this directory test the harness itself, with negative
// controls: deliberately wrong tests that the harness must fail.
package helpers
