package sysvshm

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// The "shm" peer attaches segments and acts on them one command at a time,
// answering each with one line: "ok", a value, or the errno's name.
// Mappings are numbered in attach order.
func init() { proc.Register("shm", shmRole) }

const afterExec = "after-exec"

func shmRole(args []string) int {
	if slices.Contains(args, afterExec) {
		proc.Tell("exec'd")
	}
	var maps []uintptr
	for {
		cmd := proc.AwaitCommand()
		arg, num := cmd.Arg, cmd.Num
		mapping := func(i int) uintptr {
			if n := num(i); n < len(maps) {
				return maps[n]
			}
			proc.Fatalf("command %q: no mapping %s", cmd, arg(i))
			return 0
		}
		switch cmd[0] {
		case "attach": // attach ID FLAGS
			addr, err := Attach(num(1), 0, num(2))
			if err == nil {
				maps = append(maps, addr)
			}
			proc.Tell(proc.Answer(err))
		case "write": // write MAP OFF TEXT
			copy(Bytes(mapping(1)+uintptr(num(2)), len(arg(3))), arg(3))
			proc.Tell("ok")
		case "scribble": // scribble MAP OFF TEXT: write, then exit 0 if still alive
			copy(Bytes(mapping(1)+uintptr(num(2)), len(arg(3))), arg(3))
			return 0
		case "read": // read MAP OFF N: NUL bytes shown as '.'
			proc.Tell(printable(Bytes(mapping(1)+uintptr(num(2)), num(3))))
		case "detach": // detach MAP
			proc.Tell(proc.Answer(Detach(mapping(1))))
		case "stat": // stat ID
			ds, err := Stat(num(1))
			if err != nil {
				proc.Tell(sys.ErrnoName(err))
				continue
			}
			proc.Tell(fmt.Sprintf("nattch=%d mode=%#o", ds.Nattch, ds.Perm.Mode))
		case "get": // get KEY SIZE FLAGS
			proc.Tell(proc.Value(Get(num(1), uint64(num(2)), num(3))))
		case "rmid": // rmid ID
			proc.Tell(proc.Answer(Remove(num(1))))
		case "chmod": // chmod ID MODE: IPC_SET keeping the owner
			ds, err := Stat(num(1))
			if err == nil {
				ds.Perm.Mode = uint32(num(2))
				err = Set(num(1), &ds)
			}
			proc.Tell(proc.Answer(err))
		case "lock": // lock ID
			proc.Tell(proc.Answer(Ctl(num(1), SHM_LOCK)))
		case "unlock": // unlock ID
			proc.Tell(proc.Answer(Ctl(num(1), SHM_UNLOCK)))
		case "memlock": // memlock BYTES: the soft RLIMIT_MEMLOCK
			var lim unix.Rlimit
			err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &lim)
			if err == nil {
				lim.Cur = uint64(num(1))
				err = unix.Setrlimit(unix.RLIMIT_MEMLOCK, &lim)
			}
			proc.Tell(proc.Answer(err))
		case "segv-default": // let the kernel's SIGSEGV end the process
			proc.Tell(proc.Answer(sys.DefaultSignal(unix.SIGSEGV)))
		case "exec": // re-execute this binary, keeping fds and env
			exe, err := os.Executable()
			proc.Check(err, "executable")
			proc.Check(unix.Exec(exe, append(os.Args, afterExec), os.Environ()), "exec")
		case "detach-scribble": // detach-scribble MAP OFF TEXT: shmdt, then write where it was, then exit 0 if still alive
			at := mapping(1) + uintptr(num(2))
			proc.Check(Detach(mapping(1)), "shmdt")
			copy(Bytes(at, len(arg(3))), arg(3))
			return 0
		case "mprotect": // mprotect MAP PAGES PROT: the first PAGES pages
			proc.Tell(proc.Answer(unix.Mprotect(Bytes(mapping(1), num(2)*os.Getpagesize()), num(3))))
		case "statidx": // statidx INDEX CMD: SHM_STAT or SHM_STAT_ANY, the id
			id, _, err := StatIndex(num(1), num(2))
			proc.Tell(proc.Value(id, err))
		case "unshare": // into a new IPC namespace, for the rest of the role
			proc.Tell(proc.Answer(sysv.UnshareIPC()))
		case "exit": // without detaching
			return 0
		default:
			proc.Fatalf("unknown command %q", cmd)
		}
	}
}

func printable(b []byte) string {
	return strings.ReplaceAll(string(b), "\x00", ".")
}

// shmPeer is the test's handle on a "shm" peer.
type shmPeer struct{ *proc.Peer }

func spawnShm(t *testing.T, spec proc.PeerSpec) shmPeer {
	t.Helper()
	return shmPeer{proc.Spawn(t, "shm", spec)}
}
