package eventfd

// Linux native AIO (io_setup, io_submit with IOCB_FLAG_RESFD): the one way
// a process can make the kernel signal an eventfd, which adds to the
// counter without the overflow rule that write(2) keeps, and so can take it
// to the all-ones value.

import (
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// iocb is struct iocb of linux/aio_abi.h as laid out on little-endian
// machines (aio_key before aio_rw_flags).
type iocb struct {
	_      uint64 // aio_data
	_      uint32 // aio_key
	_      int32  // aio_rw_flags
	opcode uint16
	_      int16 // aio_reqprio
	fildes uint32
	buf    uint64
	nbytes uint64
	_      int64  // aio_offset
	_      uint64 // aio_reserved2
	flags  uint32
	resfd  uint32
}

// ioEvent is struct io_event.
type ioEvent struct {
	data, obj uint64
	res, res2 int64
}

const (
	iocbCmdPread    = 0
	iocbFlagResfd   = 1 << 0
	aioLittleEndian = runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64"
)

// signalByAIO completes one AIO read of a byte from a memfd with the
// eventfd efd as its completion eventfd: the kernel adds 1 to efd's
// counter, saturating at the all-ones value.
func signalByAIO(t *testing.T, efd int) {
	t.Helper()
	if !aioLittleEndian {
		t.Skipf("struct iocb is laid out here for little-endian amd64 and arm64; running %s", runtime.GOARCH)
	}
	mfd, err := unix.MemfdCreate("ipcsuite-aio", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatalf("memfd_create: %s", sys.ErrnoName(err))
	}
	sys.Own(t, mfd)
	if _, err := unix.Write(mfd, []byte{1}); err != nil {
		t.Fatalf("write to the memfd: %s", sys.ErrnoName(err))
	}
	var ctx uint64
	if _, err := sys.SyscallArgs(unix.SYS_IO_SETUP, sys.Num(1), sys.Ptr(unsafe.Pointer(&ctx))); err != nil {
		sys.RequireFeature(t, "2.6", "native AIO (io_setup)", err, unix.ENOSYS)
	}
	defer sys.Syscall(unix.SYS_IO_DESTROY, uintptr(ctx))

	buf := make([]byte, 1)
	cb := &iocb{opcode: iocbCmdPread, fildes: uint32(mfd), buf: uint64(uintptr(unsafe.Pointer(&buf[0]))), nbytes: 1,
		flags: iocbFlagResfd, resfd: uint32(efd)}
	cbs := []*iocb{cb}
	n, err := sys.SyscallArgs(unix.SYS_IO_SUBMIT, sys.Num(uintptr(ctx)), sys.Num(1), sys.Ptr(unsafe.Pointer(&cbs[0])))
	if err != nil || n != 1 {
		t.Fatalf("io_submit of a read with IOCB_FLAG_RESFD: %d, %s", n, sys.ErrnoName(err))
	}
	var ev ioEvent
	n, err = sys.SyscallArgs(unix.SYS_IO_GETEVENTS, sys.Num(uintptr(ctx)), sys.Num(1), sys.Num(1), sys.Ptr(unsafe.Pointer(&ev)), sys.Ptr(nil))
	if err != nil || n != 1 || ev.res != 1 {
		t.Fatalf("io_getevents: %d, %s, read result %d; want one read of 1 byte", n, sys.ErrnoName(err), ev.res)
	}
	runtime.KeepAlive(buf)
	runtime.KeepAlive(cb)
}

var _ [64 - unsafe.Sizeof(iocb{})]struct{} // struct iocb is 64 bytes
var _ [unsafe.Sizeof(iocb{}) - 64]struct{}
