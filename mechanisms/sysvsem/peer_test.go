package sysvsem

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
	"github.com/ipcsuite/ipcsuite/helpers/sysv"
)

// The "sem" peer runs semaphore calls one command at a time and answers
// each with one line: "ok", a value, or the errno's name. Tests script one
// or several of them, so that every call is a real process's call.
func init() { proc.Register("sem", semRole) }

// afterExec is the argument a sem peer re-executes itself with.
const afterExec = "after-exec"

func semRole(args []string) int {
	if slices.Contains(args, afterExec) {
		proc.Tell("exec'd")
	}
	for {
		cmd := proc.AwaitCommand()
		num := cmd.Num
		ops := func(i int) []Sembuf {
			if i >= len(cmd) {
				proc.Fatalf("command %q: missing operations", cmd)
			}
			ops, err := parseSpec(cmd[i])
			proc.Check(err, "command "+cmd[0])
			return ops
		}
		switch cmd[0] {
		case "op": // op ID SPEC
			proc.Tell(proc.Answer(Op(num(1), ops(2)...)))
		case "timedop": // timedop ID MS SPEC
			proc.Tell(proc.Answer(TimedOp(num(1), time.Duration(num(2))*time.Millisecond, ops(3)...)))
		case "intr": // intr ID SPEC: see proc.Interrupted
			id, sops := num(1), ops(2)
			proc.Tell(proc.Interrupted(func() error { return OpOnce(id, sops...) }))
		case "get": // get ID NUM
			proc.Tell(proc.Value(GetVal(num(1), num(2))))
		case "set": // set ID NUM VALUE
			proc.Tell(proc.Answer(SetVal(num(1), num(2), num(3))))
		case "getall": // getall ID NSEMS
			vals, err := GetAll(num(1), num(2))
			if err != nil {
				proc.Tell(sys.ErrnoName(err))
				continue
			}
			proc.Tell(fmt.Sprint(vals))
		case "stat": // stat ID: the mode's permission bits
			ds, err := Stat(num(1))
			if err != nil {
				proc.Tell(sys.ErrnoName(err))
				continue
			}
			proc.Tell(fmt.Sprintf("%#o", ds.Perm.Mode&0o777))
		case "chmod": // chmod ID MODE: IPC_SET keeping the owner
			ds, err := Stat(num(1))
			if err == nil {
				ds.Perm.Mode = uint32(num(2))
				err = Set(num(1), &ds)
			}
			proc.Tell(proc.Answer(err))
		case "rmid": // rmid ID
			proc.Tell(proc.Answer(Remove(num(1))))
		case "semget": // semget KEY NSEMS FLAGS
			proc.Tell(proc.Value(Get(num(1), num(2), num(3))))
		case "exec": // re-execute this binary, keeping fds, env and semadj
			exe, err := os.Executable()
			proc.Check(err, "executable")
			proc.Check(unix.Exec(exe, append(os.Args, afterExec), os.Environ()), "exec")
		case "statidx": // statidx INDEX CMD: SEM_STAT or SEM_STAT_ANY, the id
			id, _, err := StatIndex(num(1), num(2))
			proc.Tell(proc.Value(id, err))
		case "undo-thread": // undo-thread ID SPEC: see opOnEndingThread
			proc.Tell(opOnEndingThread(num(1), ops(2)))
		case "unshare": // into a new IPC namespace, for the rest of the role
			proc.Tell(proc.Answer(sysv.UnshareIPC()))
		case "exit":
			return 0
		default:
			proc.Fatalf("unknown command %q", cmd)
		}
	}
}

// opOnEndingThread runs ops on a thread other than the main one (whose id
// is the pid), telling its id first (proc.TellThread), and answers with the
// outcome. The goroutine ends locked, which ends its thread: the thread's
// end, unlike the process's, must leave SEM_UNDO adjustments alone.
func opOnEndingThread(id int, ops []Sembuf) string {
	done := make(chan string)
	var run func()
	run = func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if unix.Gettid() == unix.Getpid() {
			// The main thread never ends: hold it while another
			// goroutine, which must then run on another thread, works.
			inner := make(chan struct{})
			go func() { run(); close(inner) }()
			<-inner
			runtime.UnlockOSThread()
			return
		}
		proc.TellThread()
		done <- proc.Answer(Op(id, ops...))
	}
	go run()
	return <-done
}

// semPeer is the test's handle on a "sem" peer.
type semPeer struct{ *proc.Peer }

func spawnSem(t *testing.T, spec proc.PeerSpec) semPeer {
	t.Helper()
	return semPeer{proc.Spawn(t, "sem", spec)}
}

// requireBlocked fails unless the peer is silent and a thread of it sleeps
// in semop: the call it was sent blocks.
func (p semPeer) requireBlocked(t *testing.T, what string) {
	t.Helper()
	RequireSemopWait(t, p.Pid, func() { p.RequireSilent(t, what) })
}

// The "doorbell" peer answers rings: for each of n rounds it waits on bell
// 0 and rings bell 1. Args: ID N.
func init() { proc.Register("doorbell", doorbellRole) }

func doorbellRole(args []string) int {
	if len(args) != 2 {
		proc.Fatalf("doorbell: want ID N, got %q", args)
	}
	id, err1 := strconv.Atoi(args[0])
	n, err2 := strconv.Atoi(args[1])
	proc.Check(err1, "doorbell id")
	proc.Check(err2, "doorbell rounds")
	d := Doorbell{ID: id}
	for range n {
		proc.Check(d.Wait(0), "wait on bell 0")
		proc.Check(d.Ring(1), "ring bell 1")
	}
	return 0
}

// The "step" peer is one of the two processes of seed 001's example:
// step A does its work (appends "A" to a shared file), then V; step B does
// P, then its work (appends "B"). Args: A|B ID PATH.
func init() { proc.Register("step", stepRole) }

func stepRole(args []string) int {
	if len(args) != 3 {
		proc.Fatalf("step: want A|B ID PATH, got %q", args)
	}
	id, err := strconv.Atoi(args[1])
	proc.Check(err, "step: id")
	record := func(s string) {
		fd, err := unix.Open(args[2], unix.O_WRONLY|unix.O_APPEND|unix.O_CLOEXEC, 0)
		proc.Check(err, "open "+args[2])
		_, err = sys.Write(fd, []byte(s))
		proc.Check(err, "append "+s)
		unix.Close(fd)
	}
	switch args[0] {
	case "A":
		record("A")
		proc.Check(Op(id, v(0)), "V")
	case "B":
		proc.Check(Op(id, p(0)), "P")
		record("B")
	default:
		proc.Fatalf("step: unknown step %q", args[0])
	}
	return 0
}
