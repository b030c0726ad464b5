//go:build amd64 || arm64

package sysvmsg

import "golang.org/x/sys/unix"

// MsqidDS is struct msqid64_ds of include/uapi/asm-generic/msgbuf.h for a
// 64-bit long, the layout msgctl fills on x86-64 and arm64 (always the
// IPC_64 one there, with no version flag in cmd): 120 bytes.
type MsqidDS struct {
	Perm   unix.SysvIpcPerm
	Stime  int64  // msg_stime: last msgsnd
	Rtime  int64  // msg_rtime: last msgrcv
	Ctime  int64  // msg_ctime: creation or last IPC_SET
	Cbytes uint64 // msg_cbytes: bytes of text queued
	Qnum   uint64 // msg_qnum: messages queued
	Qbytes uint64 // msg_qbytes: most bytes the queue holds
	Lspid  int32  // msg_lspid: process of the last msgsnd
	Lrpid  int32  // msg_lrpid: process of the last msgrcv
	_      [2]uint64
}
