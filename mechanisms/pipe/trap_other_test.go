//go:build !amd64

package pipe

// pipeTrap: newer architectures (arm64 among them) have only pipe2.
func pipeTrap() (uintptr, bool) { return 0, false }
