// Package sys is the suite's system-call kit and the proofs built on it:
// calls retried on EINTR through one loop (raw system calls in a benchmark
// loop's raw mode), errno names, fds a test owns, CPU pinning, kernel,
// root and capability gates, default signal dispositions, and the proofs
// that a call blocks (Blocks, RequireKernelWait) or returns at once
// (Returns), with deadlines scaled for slow machines.
package sys
