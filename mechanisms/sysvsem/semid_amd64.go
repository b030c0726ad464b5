package sysvsem

import "golang.org/x/sys/unix"

// SemidDS is struct semid64_ds of arch/x86/include/uapi/asm/sembuf.h as the
// kernel fills it for semctl on x86-64 (always the IPC_64 layout there):
// each time is followed by an unused word.
type SemidDS struct {
	Perm  unix.SysvIpcPerm
	Otime int64 // sem_otime: last semop
	_     uint64
	Ctime int64 // sem_ctime: creation or last IPC_SET, SETVAL, SETALL
	_     uint64
	Nsems uint64
	_     [2]uint64
}
