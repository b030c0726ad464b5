package sysvmsg

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// msgget's rules for keys (man 2 msgget): a missing key without IPC_CREAT
// is ENOENT; IPC_CREAT makes the queue with the low 9 bits of msgflg as
// its mode; IPC_CREAT|IPC_EXCL on an existing key is EEXIST, while
// IPC_CREAT alone, or no flag, returns the existing queue; IPC_PRIVATE
// makes a new queue every time, IPC_EXCL or not.
func TestMsggetKeys(t *testing.T) {
	key, _ := sysv.NewKey(t, 'm')
	_, err := Get(key, 0)
	sys.RequireErrno(t, err, unix.ENOENT, "msgget of a missing key without IPC_CREAT")
	_, err = Get(key, 0o600)
	sys.RequireErrno(t, err, unix.ENOENT, "msgget of a missing key with only mode bits")

	id := mkKeyedQueue(t, key, 0o640)
	ds := stat(t, id)
	if ds.Perm.Key != int32(key) || ds.Perm.Mode&0o777 != 0o640 {
		t.Fatalf("IPC_STAT of the new queue: key %#x, mode %#o; want %#x, 0640", ds.Perm.Key, ds.Perm.Mode, key)
	}
	_, err = Get(key, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	sys.RequireErrno(t, err, unix.EEXIST, "msgget(IPC_CREAT|IPC_EXCL) of an existing key")
	for _, flags := range []int{unix.IPC_CREAT | 0o600, 0, 0o600} {
		if got, err := Get(key, flags); err != nil || got != id {
			t.Fatalf("msgget(key, %#o) of an existing queue: %d, %s; want %d", flags, got, sys.ErrnoName(err), id)
		}
	}
	// Another process finds the same queue by the key.
	peer := spawnMsg(t, proc.PeerSpec{})
	peer.Must(t, strconv.Itoa(id), "get %d 0", key)

	a := mkQueue(t, 0o600)
	b := mkQueue(t, 0o600) // IPC_EXCL with IPC_PRIVATE: still new
	c, err := Get(unix.IPC_PRIVATE, 0o600)
	if err != nil {
		t.Fatalf("msgget(IPC_PRIVATE, 0600) without IPC_CREAT: %s", sys.ErrnoName(err))
	}
	removeAtEnd(t, c)
	if a == b || a == c || b == c || a == id || b == id || c == id {
		t.Fatalf("IPC_PRIVATE queues %d, %d and %d, keyed queue %d: want four distinct ids", a, b, c, id)
	}
	if k := stat(t, a).Perm.Key; k != unix.IPC_PRIVATE {
		t.Fatalf("IPC_STAT key of an IPC_PRIVATE queue: %#x, want 0", k)
	}
}

// ftok(3) gives the same key for the same file and id, in any process and
// through any path to the file (a hard link), and a different key for a
// different id or file; only the low 8 bits of id count. Two unrelated
// processes meet at one queue through it.
func TestFtokKeys(t *testing.T) {
	dir := proc.Dir(t)
	path, other, link := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "link")
	for _, p := range []string{path, other} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link(path, link); err != nil {
		t.Fatal(err)
	}
	key := func(p string, id int) int {
		t.Helper()
		k, err := sysv.Ftok(p, id)
		if err != nil {
			t.Fatalf("ftok(%s, %d): %s", p, id, sys.ErrnoName(err))
		}
		return k
	}
	k := key(path, 'm')
	if again := key(path, 'm'); again != k {
		t.Fatalf("ftok twice on one path: %#x then %#x", k, again)
	}
	if l := key(link, 'm'); l != k {
		t.Fatalf("ftok through a hard link: %#x, through the path %#x", l, k)
	}
	if k2 := key(path, 'n'); k2 == k {
		t.Fatalf("ftok with ids 'm' and 'n' gave the same key %#x", k)
	}
	if k3 := key(path, 'm'+0x100); k3 != k {
		t.Fatalf("ftok with id 'm'+0x100: %#x, with 'm' %#x; only the low 8 bits should count", k3, k)
	}
	if ko := key(other, 'm'); ko == k {
		t.Fatalf("ftok of two files in one directory gave the same key %#x", k)
	}
	_, err := sysv.Ftok(filepath.Join(dir, "missing"), 'm')
	sys.RequireErrno(t, err, unix.ENOENT, "ftok of a missing file")

	// Both peers compute the key; one creates, the other finds.
	a, b := spawnMsg(t, proc.PeerSpec{}), spawnMsg(t, proc.PeerSpec{})
	ka, kb := a.Ask(t, "ftok %s %d", path, 'm'), b.Ask(t, "ftok %s %d", link, 'm')
	if ka != strconv.Itoa(k) || kb != ka {
		t.Fatalf("peers' ftok: %s and %s; the test's %d", ka, kb, k)
	}
	ida := a.Ask(t, "get %s %#o", ka, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	id, err := strconv.Atoi(ida)
	if err != nil {
		t.Fatalf("peer's msgget(IPC_CREAT|IPC_EXCL): %s", ida)
	}
	removeAtEnd(t, id)
	b.Must(t, ida, "get %s 0", kb)
	a.Must(t, "ok", "snd %d 1 met 0", id)
	b.Must(t, "1:met", "rcv %d 16 0 0", id)
}

// Ftok is glibc's formula, (st_ino & 0xffff) | (st_dev & 0xff) << 16 |
// (id & 0xff) << 24, as a 32-bit key_t, checked against the stat fields,
// and against glibc's own ftok where python3 can call it.
func TestFtokFormula(t *testing.T) {
	path := filepath.Join(proc.Dir(t), "k")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	ids := []int{1, 'm', 0x7f, 0x80, 0xff, 0x1ab}
	glibc := glibcFtok(t, path, ids)
	for i, id := range ids {
		got, err := sysv.Ftok(path, id)
		if err != nil {
			t.Fatalf("ftok: %s", sys.ErrnoName(err))
		}
		want := int64(st.Ino&0xffff) | int64(st.Dev&0xff)<<16 | int64(id&0xff)<<24
		if want >= 1<<31 {
			want -= 1 << 32 // key_t is a signed 32-bit int
		}
		if int64(got) != want {
			t.Errorf("ftok(%s, %#x) = %#x; ino %#x dev %#x give %#x", path, id, got, st.Ino, st.Dev, want)
		}
		if glibc != nil && glibc[i] != got {
			t.Errorf("ftok(%s, %#x) = %#x; glibc's ftok gives %#x", path, id, got, glibc[i])
		}
	}
}

// glibcFtok calls the C library's ftok through python3's ctypes for each
// id; nil where python3 cannot.
func glibcFtok(t *testing.T, path string, ids []int) []int {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("no python3: ftok not compared with glibc's")
		return nil
	}
	args := []string{"-c", "import ctypes, sys\n" +
		"f = ctypes.CDLL(None).ftok\n" +
		"print(*(f(sys.argv[1].encode(), int(i)) for i in sys.argv[2:]))",
		path}
	for _, id := range ids {
		args = append(args, strconv.Itoa(id))
	}
	out, err := exec.Command(py, args...).Output()
	if err != nil {
		t.Logf("python3 could not call ftok (%v): not compared with glibc's", err)
		return nil
	}
	var keys []int
	for _, f := range strings.Fields(string(out)) {
		k, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("glibc ftok via python3: %q", out)
		}
		keys = append(keys, k)
	}
	if len(keys) != len(ids) {
		t.Fatalf("glibc ftok via python3: %q for %d ids", out, len(ids))
	}
	t.Logf("compared with glibc's ftok (%s)", py)
	return keys
}
