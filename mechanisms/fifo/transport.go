// Package fifo holds ipcsuite's named pipe (FIFO) transport; its tests prove
// the FIFO semantics of man 7 fifo between real processes.
package fifo
