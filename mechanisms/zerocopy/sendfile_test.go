package zerocopy

// sendfile(2): the kernel reads the file and writes the socket or pipe
// itself; the bytes never pass through the caller's memory.

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// With an offset pointer, sendfile reads from *offset and advances it by
// the count sent, and leaves the file offset where it was. A kernel that
// moved the file offset, or read from it, fails here: the file offset is
// set away from *offset, and the peer checks the bytes by position.
func TestSendfileWithOffsetAdvancesItAndLeavesFileOffset(t *testing.T) {
	file := dataFile(t, 3*page+123)
	sock, peer := socketToReader(t)
	seek(t, file, 7)
	off := int64(100)
	n, err := unix.Sendfile(sock, file, &off, 5000)
	requireCount(t, "sendfile of 5000 bytes from offset 100", n, err, 5000)
	requireOffset(t, "the offset after sendfile", off, 5100)
	requireOffset(t, "the file offset after sendfile with an offset pointer", fileOffset(t, file), 7)
	peer.Must(t, "ok", "expect 5000 100")
}

// Without an offset pointer, sendfile reads from the file offset and
// advances it.
func TestSendfileWithoutOffsetAdvancesFileOffset(t *testing.T) {
	file := dataFile(t, 3*page+123)
	sock, peer := socketToReader(t)
	seek(t, file, 100)
	n, err := unix.Sendfile(sock, file, nil, 5000)
	requireCount(t, "sendfile of 5000 bytes from the file offset 100", n, err, 5000)
	requireOffset(t, "the file offset after sendfile without an offset pointer", fileOffset(t, file), 5100)
	peer.Must(t, "ok", "expect 5000 100")
}

// sendfile sends what is left of the file when asked for more, then
// returns 0 at the end of the file (with the offset unchanged), and sends
// nothing more: the peer reads end of stream once the test closes.
func TestSendfileStopsAtEndOfFile(t *testing.T) {
	size := 3*page + 123
	file := dataFile(t, size)
	sock, peer := socketToReader(t)
	off := int64(size - 300)
	n, err := unix.Sendfile(sock, file, &off, 1000)
	requireCount(t, "sendfile of 1000 bytes with 300 left", n, err, 300)
	requireOffset(t, "the offset after sendfile to the end", off, int64(size))
	n, err = unix.Sendfile(sock, file, &off, 1000)
	requireCount(t, "sendfile at the end of the file", n, err, 0)
	requireOffset(t, "the offset after sendfile at the end", off, int64(size))
	peer.Must(t, "ok", "expect 300 %d", size-300)
	sys.Close(sock)
	peer.Must(t, "EOF", "eof")
}

// sendfile writes into a pipe as well as a socket: a peer reads the file's
// bytes from the pipe's other end.
func TestSendfileFileToPipe(t *testing.T) {
	file := dataFile(t, 3*page+123)
	w, peer := pipeToReader(t)
	off := int64(1000)
	n, err := unix.Sendfile(w, file, &off, 2*page)
	requireCount(t, "sendfile of two pages into a pipe", n, err, 2*page)
	requireOffset(t, "the offset after sendfile into a pipe", off, int64(1000+2*page))
	peer.Must(t, "ok", "expect %d 1000", 2*page)
}
