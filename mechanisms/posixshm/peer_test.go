package posixshm

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// The "shm" peer opens objects and maps them one command at a time,
// answering each with one line: "ok", a value, or the errno's name. Its
// files are numbered in order: first those the test passed (its only
// argument is their count), then those it opened; mappings are numbered in
// the order they were made.
func init() { proc.Register("shm", shmRole) }

func shmRole(args []string) int {
	var fds []int
	if len(args) == 1 {
		n, err := strconv.Atoi(args[0])
		proc.Check(err, "shm: count of passed files")
		for i := range n {
			fds = append(fds, proc.PeerFD(i))
		}
	}
	var maps [][]byte
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
		mem := func(i int) []byte {
			if n := num(i); n < len(maps) && maps[n] != nil {
				return maps[n]
			}
			proc.Fatalf("command %q: no mapping %s", cmd, arg(i))
			return nil
		}
		switch cmd[0] {
		case "open": // open NAME FLAGS MODE: shm_open
			f, err := Open(arg(1), num(2), uint32(num(3)))
			if err == nil {
				fds = append(fds, f)
			}
			proc.Tell(proc.Answer(err))
		case "unlink": // unlink NAME: shm_unlink
			proc.Tell(proc.Answer(Unlink(arg(1))))
		case "map": // map FILE LEN PROT FLAGS
			m, err := unix.Mmap(fd(1), 0, num(2), num(3), num(4))
			if err == nil {
				maps = append(maps, m)
			}
			proc.Tell(proc.Answer(err))
		case "unmap": // unmap MAP
			n := num(1)
			err := unix.Munmap(mem(1))
			maps[n] = nil
			proc.Tell(proc.Answer(err))
		case "write": // write MAP OFF TEXT
			copy(mem(1)[num(2):], arg(3))
			proc.Tell("ok")
		case "read": // read MAP OFF N: NUL bytes shown as '.'
			proc.Tell(printable(mem(1)[num(2) : num(2)+num(3)]))
		case "pread": // pread FILE OFF N: read(2) of the object, NUL bytes as '.'
			buf := make([]byte, num(3))
			n, err := unix.Pread(fd(1), buf, int64(num(2)))
			if err != nil {
				proc.Tell(proc.Answer(err))
				break
			}
			proc.Tell(printable(buf[:n]))
		case "pwrite": // pwrite FILE OFF TEXT
			_, err := unix.Pwrite(fd(1), []byte(arg(3)), int64(num(2)))
			proc.Tell(proc.Answer(err))
		case "truncate": // truncate FILE SIZE
			proc.Tell(proc.Answer(unix.Ftruncate(fd(1), int64(num(2)))))
		case "stat": // stat FILE: "size N ino N"
			var st unix.Stat_t
			if err := unix.Fstat(fd(1), &st); err != nil {
				proc.Tell(proc.Answer(err))
				break
			}
			proc.Tell("size " + strconv.FormatInt(st.Size, 10) + " ino " + strconv.FormatUint(st.Ino, 10))
		case "seals": // seals FILE: F_GET_SEALS
			proc.Tell(proc.Value(Seals(fd(1))))
		case "seal": // seal FILE SEALS: F_ADD_SEALS
			proc.Tell(proc.Answer(AddSeals(fd(1), num(2))))
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

// spawnShm starts a "shm" peer holding files, its files 0, 1, ...
func spawnShm(t *testing.T, spec proc.PeerSpec, files ...int) shmPeer {
	t.Helper()
	spec.Files = files
	spec.Args = []string{strconv.Itoa(len(files))}
	return shmPeer{proc.Spawn(t, "shm", spec)}
}

// stat is the answer of the peer's "stat" command for a file of size
// bytes and inode ino.
func stat(size int64, ino uint64) string {
	return "size " + strconv.FormatInt(size, 10) + " ino " + strconv.FormatUint(ino, 10)
}
