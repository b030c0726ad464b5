package zerocopy

// The peers these tests and the benchmark use.

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

func init() {
	proc.Register("end", endRole)
	proc.Register("sink", sinkRole)
}

// endRole holds one end of a pipe or socket, PeerFD(0), and acts on it on
// command (Peer.Must), one answer line per command:
//
//	write N FROM   write the stream's N bytes from FROM -> ok | ERRNO
//	expect N FROM  read exactly N bytes and compare them with the stream
//	               from FROM -> ok | bad at I | EOF | short | ERRNO
//	eof            one read of a byte -> EOF | more | ERRNO
//	exit           exit 0 (the kernel closes the end)
func endRole([]string) int {
	fd := proc.PeerFD(0)
	proc.Tell("ready")
	for {
		cmd := proc.AwaitCommand()
		switch {
		case cmd[0] == "write" && len(cmd) == 3:
			buf := make([]byte, cmd.Num(1))
			Fill(buf, int64(cmd.Num(2)))
			proc.Tell(proc.Answer(sys.WriteFull(fd, buf)))
		case cmd[0] == "expect" && len(cmd) == 3:
			buf := make([]byte, cmd.Num(1))
			err := sys.ReadFull(fd, buf)
			switch bad := Mismatch(buf, int64(cmd.Num(2))); {
			case errors.Is(err, io.ErrUnexpectedEOF):
				proc.Tell("short")
			case err == nil && bad >= 0:
				proc.Tell("bad at " + strconv.Itoa(bad))
			default:
				proc.Tell(proc.Answer(err))
			}
		case cmd[0] == "eof" && len(cmd) == 1:
			n, err := sys.Read(fd, make([]byte, 1))
			if err == nil && n > 0 {
				proc.Tell("more")
			} else {
				proc.Tell(proc.ReadAnswer(nil, n, err))
			}
		case cmd[0] == "exit" && len(cmd) == 1:
			return 0
		default:
			proc.Fatalf("end: unknown command %q", strings.Join(cmd, " "))
		}
	}
}

// spawnEnd starts an "end" peer holding fd, which the test hands off (keeps
// no copy of), and waits until it is ready.
func spawnEnd(t *testing.T, fd int) *proc.Peer {
	t.Helper()
	p := proc.Spawn(t, "end", proc.PeerSpec{Files: []int{fd}, Handoff: true})
	p.Expect(t, "ready")
	return p
}

// sinkRole is the movers' receiver. It reads files of args[0] bytes
// from the socket PeerFD(0) in reads of up to sinkRead bytes and, after
// each whole file, writes one byte back: the acknowledgement that ends the
// sender's pass. With args[1] "check" it compares each file with the
// stream from position 0, otherwise it discards what it reads. It tells
// "ready" and its CPU time so far (rusage) once it has started, and when
// the stream ends at a file's boundary "done", the files received and its
// CPU time; a stream that ends inside a file, or a byte that is wrong,
// ends the peer with the reason.
func sinkRole(args []string) int {
	size, err := strconv.ParseInt(args[0], 10, 64)
	proc.Check(err, "file size")
	check := args[1] == "check"
	fd := proc.PeerFD(0)
	buf := make([]byte, sinkRead)
	ack := []byte{1}
	proc.Tell("ready " + cpuTime())
	for files := 0; ; files++ {
		var got int64
		for got < size {
			n, err := sys.Read(fd, buf[:min(int64(len(buf)), size-got)])
			proc.Check(err, "read")
			if n == 0 {
				if got == 0 {
					proc.Tell(fmt.Sprintf("done %d %s", files, cpuTime()))
					return 0
				}
				proc.Fatalf("file %d ended after %d of %d bytes", files, got, size)
			}
			if i := Mismatch(buf[:n], got); check && i >= 0 {
				proc.Fatalf("file %d: byte %d is %d, want the stream's", files, got+int64(i), buf[i])
			}
			got += int64(n)
		}
		proc.Check(sys.WriteFull(fd, ack), "acknowledge")
	}
}

// sinkRead is the size of the receiver's reads, the same whatever the
// sender does, so that the receiver's CPU time compares across senders.
const sinkRead = 1 << 20

// cpuTime renders the process's CPU time, user and system, in
// nanoseconds.
func cpuTime() string { return strconv.FormatInt(cpuNanos(), 10) }

// cpuNanos is the calling process's user and system CPU time in
// nanoseconds (getrusage RUSAGE_SELF), or -1 when unreadable.
func cpuNanos() int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
