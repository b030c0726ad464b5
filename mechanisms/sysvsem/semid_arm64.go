package sysvsem

import "golang.org/x/sys/unix"

// SemidDS is struct semid64_ds of include/uapi/asm-generic/sembuf.h for a
// 64-bit architecture, as the kernel fills it for semctl on arm64: the
// times are adjacent, without the unused words of x86-64.
type SemidDS struct {
	Perm  unix.SysvIpcPerm
	Otime int64 // sem_otime: last semop
	Ctime int64 // sem_ctime: creation or last IPC_SET, SETVAL, SETALL
	Nsems uint64
	_     [2]uint64
}
