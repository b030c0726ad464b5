// Package proc runs the other processes of a test: the test binary
// re-executes itself as a peer playing a registered role. It holds the
// role registry and the body of every TestMain (Main), spawning and
// reaping peers, the control channel between test and peer with its
// scripted-peer protocol (Ask and Must in the test, AwaitCommand and
// Answer in the peer), the run directory and names of the objects a run
// makes, the leak check, the IPC namespace of a package's tests, and C
// programs run as peers (BuildC, CPeer) where the Go runtime cannot be
// the peer.
package proc
