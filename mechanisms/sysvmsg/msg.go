// Package sysvmsg holds raw wrappers for System V message queues (msgget,
// msgsnd, msgrcv, msgctl), which x/sys/unix does not wrap, ftok as glibc
// computes it, and a ping-pong transport over two queues; its tests prove
// the semantics of man 2 msgop, msgget and msgctl between real processes.
package sysvmsg

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// msgrcv flags and msgctl commands (linux/msg.h, linux/ipc.h) that
// x/sys/unix lacks.
const (
	IPC_NOWAIT  = unix.IPC_NOWAIT
	MSG_NOERROR = 0o10000 // truncate a message longer than msgsz
	MSG_EXCEPT  = 0o20000 // msgtyp > 0: the first message not of that type
	MSG_COPY    = 0o40000 // copy the message at index msgtyp, leave it queued

	IPC_INFO     = 3
	MSG_STAT     = 11
	MSG_INFO     = 12
	MSG_STAT_ANY = 13
)

// HeaderLen is the size of the long mtype that starts struct msgbuf, the
// buffer msgsnd and msgrcv take: mtype, then the text.
const HeaderLen = 8

// Msginfo is struct msginfo, filled by IPC_INFO and MSG_INFO. For
// IPC_INFO, Max, Mnb and Mni are the namespace's limits; for MSG_INFO,
// Pool counts the queues in use, Map the messages queued and Tql their
// bytes, all over the namespace.
type Msginfo struct {
	Pool, Map, Max, Mnb, Mni, Ssz, Tql int32
	Seg                                uint16
	_                                  uint16
}

// Get is msgget(2).
func Get(key, flags int) (int, error) {
	id, err := sys.Syscall(unix.SYS_MSGGET, uintptr(key), uintptr(flags))
	return int(id), err
}

// SetType writes mtype into the header of buf, a struct msgbuf.
func SetType(buf []byte, mtype int) { binary.NativeEndian.PutUint64(buf, uint64(mtype)) }

// TypeOf reads mtype from the header of buf.
func TypeOf(buf []byte) int { return int(int64(binary.NativeEndian.Uint64(buf))) }

func bufPtr(buf []byte) sys.Arg { return sys.Ptr(unsafe.Pointer(unsafe.SliceData(buf))) }

// SndBuf is msgsnd(2) of buf, a struct msgbuf: mtype in its first
// HeaderLen bytes, then the text, len(buf)-HeaderLen bytes of it. It is
// retried on EINTR (a blocked msgsnd is never restarted after a signal
// handler, and the Go runtime preempts with SIGURG). A buf shorter than the
// header is EINVAL without a call.
func SndBuf(id int, buf []byte, flags int) error {
	if len(buf) < HeaderLen {
		return unix.EINVAL
	}
	_, err := sys.SyscallArgs(unix.SYS_MSGSND, sys.Num(id), bufPtr(buf), sys.Num(len(buf)-HeaderLen), sys.Num(flags))
	return err
}

// SndBufOnce is SndBuf without the EINTR retry, for tests about EINTR.
func SndBufOnce(id int, buf []byte, flags int) error {
	if len(buf) < HeaderLen {
		return unix.EINVAL
	}
	_, err := sys.SyscallArgsOnce(unix.SYS_MSGSND, sys.Num(id), bufPtr(buf), sys.Num(len(buf)-HeaderLen), sys.Num(flags))
	return err
}

// RcvBuf is msgrcv(2) into buf, a struct msgbuf with room for
// len(buf)-HeaderLen bytes of text (msgsz). It returns the length of the
// text received; mtype is in buf's header (TypeOf). It is retried on EINTR.
// A length above msgsz, which no kernel should return, is an error.
func RcvBuf(id int, buf []byte, msgtyp, flags int) (int, error) {
	if len(buf) < HeaderLen {
		return 0, unix.EINVAL
	}
	n, err := sys.SyscallArgs(unix.SYS_MSGRCV, sys.Num(id), bufPtr(buf), sys.Num(len(buf)-HeaderLen), sys.Num(msgtyp), sys.Num(flags))
	return checkLen(int(n), len(buf)-HeaderLen, err)
}

// checkLen turns a msgrcv that claims more text than msgsz into an error,
// so that no caller slices past its buffer on a kernel's word.
func checkLen(n, msgsz int, err error) (int, error) {
	if err == nil && n > msgsz {
		return n, fmt.Errorf("msgrcv returned %d bytes for a msgsz of %d", n, msgsz)
	}
	return n, err
}

// RcvBufOnce is RcvBuf without the EINTR retry, for tests about EINTR.
func RcvBufOnce(id int, buf []byte, msgtyp, flags int) (int, error) {
	if len(buf) < HeaderLen {
		return 0, unix.EINVAL
	}
	n, err := sys.SyscallArgsOnce(unix.SYS_MSGRCV, sys.Num(id), bufPtr(buf), sys.Num(len(buf)-HeaderLen), sys.Num(msgtyp), sys.Num(flags))
	return checkLen(int(n), len(buf)-HeaderLen, err)
}

// Snd sends text with mtype: msgsnd through a buffer made for the call.
func Snd(id, mtype int, text []byte, flags int) error {
	buf := make([]byte, HeaderLen+len(text))
	SetType(buf, mtype)
	copy(buf[HeaderLen:], text)
	return SndBuf(id, buf, flags)
}

// Rcv receives a message of at most size bytes: msgrcv through a buffer
// made for the call. It returns the message's mtype and text.
func Rcv(id, size, msgtyp, flags int) (mtype int, text []byte, err error) {
	buf := make([]byte, HeaderLen+size)
	n, err := RcvBuf(id, buf, msgtyp, flags)
	if err != nil {
		return 0, nil, err
	}
	return TypeOf(buf), buf[HeaderLen : HeaderLen+n], nil
}

// ctl is msgctl(2).
func ctl(id, cmd int, buf unsafe.Pointer) (int, error) {
	r, err := sys.SyscallArgs(unix.SYS_MSGCTL, sys.Num(id), sys.Num(cmd), sys.Ptr(buf))
	return int(r), err
}

// Stat is IPC_STAT.
func Stat(id int) (MsqidDS, error) {
	var ds MsqidDS
	_, err := ctl(id, unix.IPC_STAT, unsafe.Pointer(&ds))
	return ds, err
}

// StatIndex is MSG_STAT or MSG_STAT_ANY on an index of the namespace's
// table of queues; it returns the queue's identifier.
func StatIndex(index, cmd int) (int, MsqidDS, error) {
	var ds MsqidDS
	id, err := ctl(index, cmd, unsafe.Pointer(&ds))
	return id, ds, err
}

// Set is IPC_SET: it copies msg_qbytes, the owner's uid and gid and the low
// 9 bits of the mode from ds.
func Set(id int, ds *MsqidDS) error {
	_, err := ctl(id, unix.IPC_SET, unsafe.Pointer(ds))
	return err
}

// Info is IPC_INFO or MSG_INFO; it returns the highest index in use.
func Info(cmd int) (int, Msginfo, error) {
	var info Msginfo
	n, err := ctl(0, cmd, unsafe.Pointer(&info))
	return n, info, err
}

// Remove is IPC_RMID.
func Remove(id int) error {
	_, err := ctl(id, unix.IPC_RMID, nil)
	return err
}

// Limits are the message queue limits of /proc/sys/kernel, which are per
// IPC namespace: the largest message (msgmax), the default and the
// unprivileged ceiling of a queue's msg_qbytes (msgmnb), and the most
// queues (msgmni).
type Limits struct{ Max, Mnb, Mni int }

// ReadLimits reads /proc/sys/kernel/msgmax, msgmnb and msgmni.
func ReadLimits() (Limits, error) {
	var l Limits
	for _, f := range []struct {
		name string
		to   *int
	}{{"msgmax", &l.Max}, {"msgmnb", &l.Mnb}, {"msgmni", &l.Mni}} {
		n, err := sysv.ReadLimit(f.name)
		if err != nil {
			return Limits{}, err
		}
		*f.to = int(n)
	}
	return l, nil
}
