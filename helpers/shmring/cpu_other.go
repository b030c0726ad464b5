//go:build !amd64 && !arm64

package shmring

import (
	"sync/atomic"
	"unsafe"
)

func pause() {}

func storeRelease(p *uint32, v uint32) {
	(*atomic.Uint32)(unsafe.Pointer(p)).Store(v)
}
