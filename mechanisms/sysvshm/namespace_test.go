package sysvshm

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// Segments belong to an IPC namespace (man 7 ipc_namespaces): a peer that
// sees the test's segment by key and by id stops seeing it once it moves
// to a new namespace (ENOENT by key, EINVAL by id), and may make a segment
// of its own under the same key there. A kernel that kept one table for
// all namespaces would answer the id both times.
func TestSegmentIsInvisibleFromAnotherIPCNamespace(t *testing.T) {
	key, _ := sysv.NewKey(t, 'n')
	id := newKeyedSegment(t, key, pageSize, 0o666)
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, strconv.Itoa(id), "get %d 0 0", key)
	peer.Must(t, "nattch=0 mode=0666", "stat %d", id)
	peer.Must(t, "ok", "unshare")
	peer.Must(t, "ENOENT", "get %d 0 0", key)
	peer.Must(t, "EINVAL", "stat %d", id)
	peer.Must(t, "EINVAL", "attach %d 0", id)
	if line := peer.Ask(t, "get %d %d %d", key, pageSize, unix.IPC_CREAT|unix.IPC_EXCL|0o600); line == "EEXIST" {
		t.Fatalf("shmget(IPC_CREAT|IPC_EXCL) of the test's key in a new namespace: EEXIST, want a segment of its own")
	} else if _, err := strconv.Atoi(line); err != nil {
		t.Fatalf("shmget(IPC_CREAT|IPC_EXCL) of the test's key in a new namespace: %s", line)
	}
	requireNattch(t, id, 0, "the test's segment after the peer's namespace made its own")
}

// /proc/sys/kernel/shm_next_id (checkpoint/restore's knob, per namespace)
// makes the next segment's identifier exactly the value written, once
// (sysv.RequireNextID), and another process attaches it by that id.
func TestShmNextIDChoosesTheNextIdentifier(t *testing.T) {
	const want = 3<<15 + 4321 // beyond a fresh namespace's counters
	sysv.RequireNextID(t, "shm_next_id", want, "segment", func() int { return newSegment(t, pageSize, 0o600) })
	peer := spawnShm(t, proc.PeerSpec{})
	peer.Must(t, "ok", "attach %d 0", want)
	requireNattch(t, want, 1, "after the peer attached the chosen id")
}

// SHM_STAT checks read permission like IPC_STAT; SHM_STAT_ANY (Linux 4.17)
// does not: another user gets EACCES from the one and the segment's id
// from the other, for a 0600 segment it may not read.
func TestShmStatAnySkipsThePermissionCheck(t *testing.T) {
	sys.RequireKernel(t, "4.17", "SHM_STAT_ANY")
	cred := sys.OtherUID(t)
	id := newSegment(t, pageSize, 0o600)
	highest, _, err := Usage()
	if err != nil {
		t.Fatalf("SHM_INFO: %s", sys.ErrnoName(err))
	}
	index := sysv.IndexOf(t, id, highest, func(i int) (int, error) { got, _, err := StatIndex(i, SHM_STAT); return got, err })
	other := spawnShm(t, proc.PeerSpec{Credential: cred})
	other.Must(t, "EACCES", "statidx %d %d", index, SHM_STAT)
	other.Must(t, strconv.Itoa(id), "statidx %d %d", index, SHM_STAT_ANY)
	other.Must(t, "EACCES", "stat %d", id)
}

// shmmni bounds the segments of the namespace: with it set to the segments
// in use plus one, one more segment can be made and the next shmget fails
// with ENOSPC (man 2 shmget). The test lowers it in the package's own IPC
// namespace only.
func TestShmmniBoundsSegmentsENOSPC(t *testing.T) {
	_, usage, err := Usage()
	if err != nil {
		t.Fatalf("SHM_INFO: %s", sys.ErrnoName(err))
	}
	sysv.SetKnob(t, "shmmni", strconv.Itoa(int(usage.UsedIDs)+1))
	newSegment(t, pageSize, 0o600)
	id, err := Get(unix.IPC_PRIVATE, uint64(pageSize), unix.IPC_CREAT|0o600)
	if err == nil {
		Remove(id)
	}
	sys.RequireErrno(t, err, unix.ENOSPC, "shmget(IPC_PRIVATE) with shmmni segments in use")
}

// With /proc/sys/kernel/shm_rmid_forced set (per namespace), the segments
// a process made are destroyed when it exits if nobody has them attached;
// one still attached elsewhere lives on (not marked SHM_DEST: shm_close
// checks the knob) and goes at its last detach. Unset, a segment outlives
// its creator and its last detach.
func TestShmRmidForcedRemovesTheSegmentsOfAnExitedCreator(t *testing.T) {
	// made has a peer make a segment, attach it and exit without shmdt.
	made := func(t *testing.T) (int, shmPeer) {
		peer := spawnShm(t, proc.PeerSpec{})
		id := atoiOrFail(t, peer.Ask(t, "get 0 %d %d", pageSize, unix.IPC_CREAT|0o600))
		t.Cleanup(func() { removeLater(t, id) })
		peer.Must(t, "ok", "attach %d 0", id)
		return id, peer
	}
	exit := func(t *testing.T, peer shmPeer) {
		peer.Send(t, "exit")
		peer.RequireExit(t, 0)
	}
	t.Run("unset keeps it", func(t *testing.T) {
		sysv.SetKnob(t, "shm_rmid_forced", "0")
		id, peer := made(t)
		addr, _ := mustAttach(t, id, 0, pageSize)
		exit(t, peer)
		detach(t, addr)
		requireNattch(t, id, 0, "after its creator exited and the last detach")
	})
	t.Run("set removes it at once", func(t *testing.T) {
		sysv.SetKnob(t, "shm_rmid_forced", "1")
		id, peer := made(t)
		exit(t, peer)
		_, err := Stat(id)
		sys.RequireErrno(t, err, unix.EINVAL, "IPC_STAT of a segment whose creator exited")
	})
	t.Run("set removes it at the last detach", func(t *testing.T) {
		sysv.SetKnob(t, "shm_rmid_forced", "1")
		id, peer := made(t)
		addr, _ := mustAttach(t, id, 0, pageSize)
		exit(t, peer)
		requireNattch(t, id, 1, "after its creator exited, attached by the test")
		detach(t, addr)
		_, err := Stat(id)
		sys.RequireErrno(t, err, unix.EINVAL, "IPC_STAT after the last detach")
	})
}
