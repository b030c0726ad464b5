//go:build amd64 || arm64

package shmring

// pause tells the CPU that it is in a spin-wait loop (PAUSE, YIELD).
func pause()

// storeRelease stores v at p with release order and nothing more: every
// store before it is seen first, but, unlike sync/atomic's sequentially
// consistent Store (an XCHG on amd64), it does not wait for the store
// buffer to drain, so a producer goes on filling the next cell while this
// one travels.
//
//go:noescape
func storeRelease(p *uint32, v uint32)
