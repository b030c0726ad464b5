package mmap

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// The "mapper" peer opens files and maps them one command at a time,
// answering each with one line: "ok", a value, or the errno's name. Open
// files and mappings are numbered in the order they were made; an unmapped
// mapping keeps its number and address, for touching it afterwards.
func init() { proc.Register("mapper", mapperRole) }

type mapping struct {
	addr   uintptr
	length int
}

func mapperRole([]string) int {
	var fds []int
	var maps []mapping
	for {
		cmd := proc.AwaitCommand()
		arg, num := cmd.Arg, cmd.Num
		fd := func(i int) int {
			if n := num(i); n < len(fds) {
				return fds[n]
			}
			proc.Fatalf("command %q: no file %s", cmd, arg(i))
			return -1
		}
		at := func(i int) mapping {
			if n := num(i); n < len(maps) {
				return maps[n]
			}
			proc.Fatalf("command %q: no mapping %s", cmd, arg(i))
			return mapping{}
		}
		switch cmd[0] {
		case "open": // open PATH FLAGS
			f, err := unix.Open(arg(1), num(2)|unix.O_CLOEXEC, 0)
			if err == nil {
				fds = append(fds, f)
			}
			proc.Tell(proc.Answer(err))
		case "close": // close FILE
			proc.Tell(proc.Answer(unix.Close(fd(1))))
		case "map": // map FILE LEN PROT FLAGS OFF
			addr, err := Map(0, num(2), num(3), num(4), fd(1), int64(num(5)))
			if err == nil {
				maps = append(maps, mapping{addr, num(2)})
			}
			proc.Tell(proc.Answer(err))
		case "unmap": // unmap MAP [OFF LEN]: the whole mapping, or a range of it
			m := at(1)
			if len(cmd) > 2 {
				proc.Tell(proc.Answer(Unmap(m.addr+uintptr(num(2)), num(3))))
				break
			}
			proc.Tell(proc.Answer(Unmap(m.addr, m.length)))
		case "write": // write MAP OFF TEXT
			copy(Bytes(at(1).addr+uintptr(num(2)), len(arg(3))), arg(3))
			proc.Tell("ok")
		case "scribble": // scribble MAP OFF TEXT: write, then exit 0 if still alive
			copy(Bytes(at(1).addr+uintptr(num(2)), len(arg(3))), arg(3))
			return 0
		case "peek": // peek MAP OFF: read one byte, then exit 0 if still alive
			b := Bytes(at(1).addr+uintptr(num(2)), 1)[0]
			proc.Tell(fmt.Sprintf("survived reading %#x", b))
			return 0
		case "addr": // addr MAP: the mapping's address
			proc.Tell(fmt.Sprintf("%#x", at(1).addr))
		case "lock": // run every later command on this thread, and tell its id
			runtime.LockOSThread()
			proc.TellThread()
		case "read": // read MAP OFF N: NUL bytes shown as '.'
			proc.Tell(printable(Bytes(at(1).addr+uintptr(num(2)), num(3))))
		case "msync": // msync MAP FLAGS
			m := at(1)
			proc.Tell(proc.Answer(Sync(m.addr, m.length, num(2))))
		case "advise": // advise MAP ADVICE
			m := at(1)
			proc.Tell(proc.Answer(Advise(m.addr, m.length, num(2))))
		case "segv-default": // let the kernel's SIGSEGV end the process
			proc.Tell(proc.Answer(sys.DefaultSignal(unix.SIGSEGV)))
		case "bus-default": // let the kernel's SIGBUS end the process
			proc.Tell(proc.Answer(sys.DefaultSignal(unix.SIGBUS)))
		default:
			proc.Fatalf("unknown command %q", cmd)
		}
	}
}

func printable(b []byte) string {
	return strings.ReplaceAll(string(b), "\x00", ".")
}

// mapperPeer is the test's handle on a "mapper" peer.
type mapperPeer struct{ *proc.Peer }

func spawnMapper(t *testing.T) mapperPeer {
	t.Helper()
	return mapperPeer{proc.Spawn(t, "mapper", proc.PeerSpec{})}
}
