package proc

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// snapshot is what the leak check compares: the IPC objects, named files
// and unix sockets of this run, and its children.
type snapshot struct {
	sysv map[string]bool
}

func takeSnapshot() snapshot {
	return snapshot{sysv: sysvObjects()}
}

// sysvObjects lists SysV objects as "msg id=... key=...".
func sysvObjects() map[string]bool {
	out := map[string]bool{}
	for _, kind := range []string{"msg", "sem", "shm"} {
		data, err := os.ReadFile("/proc/sysvipc/" + kind)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		for _, line := range lines[1:] {
			f := strings.Fields(line)
			if len(f) >= 2 {
				out[fmt.Sprintf("SysV %s id=%s key=%s", kind, f[1], f[0])] = true
			}
		}
	}
	return out
}

// leaksSince lists what the tests left behind.
func (s snapshot) leaksSince() []string {
	var leaks []string
	for obj := range sysvObjects() {
		if !s.sysv[obj] {
			leaks = append(leaks, obj)
		}
	}
	mine := Prefix + strconv.Itoa(os.Getpid())
	for _, dir := range []string{shmDir, mqueueDir} {
		names, _ := filepath.Glob(filepath.Join(dir, mine+".*"))
		leaks = append(leaks, names...)
	}
	root.Lock()
	dir := root.dir
	root.Unlock()
	if dir != "" {
		filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
			if err == nil && path != dir && path != filepath.Join(dir, "peer.exe") {
				leaks = append(leaks, fmt.Sprintf("%s (%s)", path, info.Mode().Type()))
			}
			return nil
		})
	}
	leaks = append(leaks, unixSockets(mine+".", dir)...)
	for _, pid := range children() {
		leaks = append(leaks, fmt.Sprintf("child process %d (%s)", pid, processName(pid)))
	}
	leaks = append(leaks, inetSockets()...)
	sort.Strings(leaks)
	return leaks
}

// children lists this process's live and zombie children.
func children() []int {
	var pids []int
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, f := range tasks {
		data, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(s); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

func processName(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return "?"
	}
	return strings.ReplaceAll(strings.TrimRight(string(data), "\x00"), "\x00", " ")
}

// sweep removes what earlier runs that were killed left behind: named
// objects whose owning test process no longer exists.
func sweep() {
	for _, dir := range []string{tmpDir, shmDir, mqueueDir} {
		names, _ := filepath.Glob(filepath.Join(dir, Prefix+"*"))
		for _, path := range names {
			rest := strings.TrimPrefix(filepath.Base(path), Prefix)
			pid, err := strconv.Atoi(strings.SplitN(rest, ".", 2)[0])
			if err != nil || alive(pid) {
				continue
			}
			os.RemoveAll(path)
		}
	}
}

func alive(pid int) bool {
	return unix.Kill(pid, 0) != unix.ESRCH
}

// inetSockets lists the listening TCP sockets and the bound UDP sockets
// that the processes of this test binary's tree (this process and its
// descendants) still hold open: a server a test forgot to close keeps its
// port, which the kernel then refuses to others. A socket is matched by
// the inode that /proc/PID/fd links to ("socket:[INODE]") against the
// kernel's tables in /proc/net.
func inetSockets() []string {
	held := map[string]int{} // socket inode -> a pid holding it
	for _, pid := range append([]int{os.Getpid()}, descendants(os.Getpid())...) {
		links, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/fd/*")
		for _, l := range links {
			target, err := os.Readlink(l)
			if inode, ok := strings.CutPrefix(target, "socket:["); err == nil && ok {
				held[strings.TrimSuffix(inode, "]")] = pid
			}
		}
	}
	var out []string
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6"} {
		data, err := os.ReadFile("/proc/self/net/" + table)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		for _, line := range lines[1:] {
			// sl local_address rem_address st ... inode (field 9)
			f := strings.Fields(line)
			if len(f) < 10 {
				continue
			}
			pid, mine := held[f[9]]
			listening := f[3] == tcpListen || strings.HasPrefix(table, "udp")
			if !mine || !listening {
				continue
			}
			_, port, _ := strings.Cut(f[1], ":")
			n, _ := strconv.ParseUint(port, 16, 16)
			out = append(out, fmt.Sprintf("%s socket on port %d held by pid %d (%s)", table, n, pid, processName(pid)))
		}
	}
	return out
}

// tcpListen is TCP_LISTEN as /proc/net/tcp writes the state.
const tcpListen = "0A"

// descendants lists the live and zombie descendants of process pid.
func descendants(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	for _, f := range tasks {
		data, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(data)) {
			if child, err := strconv.Atoi(s); err == nil {
				out = append(out, child)
				out = append(out, descendants(child)...)
			}
		}
	}
	return out
}
