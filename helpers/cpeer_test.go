package helpers_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// A C peer dies with the thread that started it (Pdeathsig is tied to the
// forking thread, not the process), so that thread must live until the
// peer is reaped, whatever the caller's goroutine does. StartC is called
// here from a goroutine that ends locked to its thread, which makes the
// runtime end the thread; the peer must still answer and exit 0 when
// released. A CPeer started on the caller's own thread would be killed
// by SIGKILL there and fail the Expect.
func TestCPeerOutlivesTheThreadThatStartedIt(t *testing.T) {
	prog := proc.BuildC(t, proc.Dir(t), filepath.Join("testdata", "echo.c"))
	var p *proc.CPeer
	proc.RequireThreadEnds(t, os.Getpid(), onEndingThread(t, func() { p = proc.StartC(t, prog) }))
	if p == nil {
		t.FailNow() // StartC said why
	}
	p.Expect(t, "ready")
	p.Send(t, "still here")
	p.Expect(t, "still here")
	p.Release(t)
}

// onEndingThread runs f on a thread that ends when f returns, and returns
// the thread's id. A goroutine that ends locked ends its thread, unless
// that is the main thread, which the runtime keeps: a goroutine that
// lands there holds it until the test ends, so that the next one cannot.
func onEndingThread(t *testing.T, f func()) (tid int) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	for {
		ran := make(chan int)
		go func() {
			runtime.LockOSThread() // never unlocked off the main thread
			if unix.Gettid() == unix.Getpid() {
				ran <- 0
				<-release
				runtime.UnlockOSThread()
				return
			}
			defer func() { ran <- unix.Gettid() }()
			f()
		}()
		if tid := <-ran; tid != 0 {
			return tid
		}
	}
}
