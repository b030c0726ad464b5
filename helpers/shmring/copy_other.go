//go:build !amd64

package shmring

// copyPiece copies src to dst, which is at least as long, for copyCached.
func copyPiece(dst, src []byte) { copy(dst, src) }
