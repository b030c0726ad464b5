package sys

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// PinProcess pins every thread of this process to cpu. Threads made later
// inherit the mask from the thread that makes them.
func PinProcess(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	return setAffinityAll(&set)
}

func setAffinityAll(set *unix.CPUSet) error {
	tasks, err := filepath.Glob("/proc/self/task/*")
	if err != nil {
		return err
	}
	for _, task := range tasks {
		tid, err := strconv.Atoi(filepath.Base(task))
		if err != nil {
			continue
		}
		// A thread may exit between the listing and the call.
		if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH {
			return fmt.Errorf("sched_setaffinity(%d): %w", tid, err)
		}
	}
	return nil
}

// Pin pins every thread of the test process to cpu and locks the calling
// goroutine to its thread. The returned function undoes both.
func Pin(cpu int) (unpin func(), err error) {
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return nil, err
	}
	runtime.LockOSThread()
	if err := PinProcess(cpu); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	return func() {
		setAffinityAll(&old)
		runtime.UnlockOSThread()
	}, nil
}

// PinThread locks the goroutine to its thread and pins that thread alone.
func PinThread(cpu int) (func(), error) {
	runtime.LockOSThread()
	var old, set unix.CPUSet
	unix.SchedGetaffinity(0, &old)
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	return func() {
		unix.SchedSetaffinity(0, &old)
		runtime.UnlockOSThread()
	}, nil
}
