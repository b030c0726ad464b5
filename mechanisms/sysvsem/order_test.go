package sysvsem

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// orderRun makes the semaphore (value 0) and the shared record file.
func orderRun(t *testing.T) (id int, path string, step func(name string) *proc.Peer) {
	id = newSet(t, 1, 0o600)
	path = filepath.Join(proc.Dir(t), "order")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	step = func(name string) *proc.Peer {
		return proc.Spawn(t, "step", proc.PeerSpec{Args: []string{name, strconv.Itoa(id), path}})
	}
	return id, path, step
}

func requireRecord(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("the processes recorded %q, want %q", got, want)
	}
}

// Seed 001: with a semaphore starting at 0, where A does V after its step
// and B does P before its step, A's step always comes before B's, whichever
// process the scheduler runs first. The processes record the order
// themselves in a shared file.
func TestSemaphoreOrdersAStepBeforeBWhicheverStartsFirst(t *testing.T) {
	t.Run("B starts first and waits", func(t *testing.T) {
		id, path, step := orderRun(t)
		b := step("B")
		RequireSemopWait(t, b.Pid, func() { b.RequireSilent(t, "step B's P before A ran") })
		requireRecord(t, path, "")
		a := step("A")
		a.RequireExit(t, 0)
		b.RequireExit(t, 0)
		requireRecord(t, path, "AB")
		requireVal(t, id, 0, 0, "after A's V and B's P")
	})
	t.Run("A starts and ends first", func(t *testing.T) {
		id, path, step := orderRun(t)
		step("A").RequireExit(t, 0)
		requireRecord(t, path, "A")
		requireVal(t, id, 0, 1, "after A's V")
		step("B").RequireExit(t, 0)
		requireRecord(t, path, "AB")
	})
	t.Run("started together", func(t *testing.T) {
		for round := range 8 {
			_, path, step := orderRun(t)
			var a, b *proc.Peer
			if round%2 == 0 {
				a, b = step("A"), step("B")
			} else {
				b, a = step("B"), step("A")
			}
			a.RequireExit(t, 0)
			b.RequireExit(t, 0)
			requireRecord(t, path, "AB")
		}
	})
}
