package sysvmsg

import (
	"runtime"
	"testing"
	"unsafe"
)

// The structs passed to the kernel must match its layout byte for byte:
// msqid64_ds is 120 bytes on x86-64 and arm64 (asm-generic/msgbuf.h, a
// 48-byte ipc64_perm, then longs), with msg_qnum at 80 and the pids at
// 96; msginfo is seven ints and an unsigned short, 32 bytes with padding;
// msgbuf's text starts after an 8-byte long.
func TestStructLayoutsMatchTheKernel(t *testing.T) {
	var ds MsqidDS
	got := [4]uintptr{unsafe.Sizeof(ds), unsafe.Offsetof(ds.Stime), unsafe.Offsetof(ds.Qnum), unsafe.Offsetof(ds.Lspid)}
	if want := [4]uintptr{120, 48, 80, 96}; got != want {
		t.Errorf("msqid64_ds on %s: size, msg_stime, msg_qnum, msg_lspid at %v; want %v", runtime.GOARCH, got, want)
	}
	var info Msginfo
	if got := [2]uintptr{unsafe.Sizeof(info), unsafe.Offsetof(info.Seg)}; got != [2]uintptr{32, 28} {
		t.Errorf("msginfo: size and msgseg at %v, want [32 28]", got)
	}
	if HeaderLen != unsafe.Sizeof(int64(0)) {
		t.Errorf("msgbuf header %d bytes, want a long's 8", HeaderLen)
	}
}
