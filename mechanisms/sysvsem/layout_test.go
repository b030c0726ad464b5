package sysvsem

import (
	"runtime"
	"testing"
	"unsafe"
)

// The structs passed to the kernel must match its layout byte for byte:
// sembuf is 6 bytes, semid64_ds 104 bytes on x86-64 (times padded) and 88
// on arm64, with sem_nsems where the kernel writes it.
func TestStructLayoutsMatchTheKernel(t *testing.T) {
	if got := unsafe.Sizeof(Sembuf{}); got != 6 {
		t.Errorf("sizeof(struct sembuf) = %d, want 6", got)
	}
	if got := unsafe.Sizeof(Seminfo{}); got != 40 {
		t.Errorf("sizeof(struct seminfo) = %d, want 40", got)
	}
	want := map[string][2]uintptr{"amd64": {104, 80}, "arm64": {88, 64}}[runtime.GOARCH]
	var ds SemidDS
	if got := [2]uintptr{unsafe.Sizeof(ds), unsafe.Offsetof(ds.Nsems)}; got != want {
		t.Errorf("semid64_ds on %s: size %d, sem_nsems at %d; want %d and %d", runtime.GOARCH, got[0], got[1], want[0], want[1])
	}
}
