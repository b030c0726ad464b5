package proc

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// Everything the suite names starts with Prefix and the pid of the test
// process, so that a later run can tell a killed run's leftovers (dead pid)
// from a live run's objects, and sweep them.
const Prefix = "ipcsuite."

// Where named objects live.
var (
	tmpDir    = os.TempDir()
	shmDir    = "/dev/shm"
	mqueueDir = "/dev/mqueue"
)

var root struct {
	sync.Mutex
	dir  string
	next int
}

// RunRoot is the directory that holds the files the run names; Dir makes
// per-test directories inside it.
func RunRoot() string { return runRoot() }

// runRoot is the directory, short enough for sun_path, that holds every
// file (FIFO, socket, key file) the run names. Peers inherit it.
func runRoot() string {
	if dir := os.Getenv(envRunRoot); dir != "" {
		return dir
	}
	root.Lock()
	defer root.Unlock()
	if root.dir == "" {
		dir := filepath.Join(tmpDir, Prefix+strconv.Itoa(os.Getpid()))
		if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
			panic(err)
		}
		os.Chmod(dir, 0o755) // traversable by a peer of another uid, whatever the umask
		root.dir = dir
	}
	return root.dir
}

func removeRunRoot() {
	root.Lock()
	defer root.Unlock()
	if root.dir != "" {
		os.RemoveAll(root.dir)
	}
}

// Dir makes a fresh directory under the run's root, removed when the test
// ends. Other uids can traverse it, so permission tests fail on the object's
// own mode rather than on the path.
func Dir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(runRoot(), uniq())
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove %s: %v", dir, err)
		}
	})
	return dir
}

// Name returns a fresh name for a POSIX IPC object (shm, mq) of this run,
// without a leading slash. The test must remove the object; the leak check
// reports it otherwise.
func Name() string {
	return Prefix + strconv.Itoa(os.Getpid()) + "." + uniq()
}

func uniq() string {
	root.Lock()
	defer root.Unlock()
	root.next++
	return strconv.Itoa(root.next)
}
