package vmproto

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSplitFramesAndExitStatus(t *testing.T) {
	stream := Begin("a") + "line 1\nline 2\n" + End("a", 0, 1500*time.Millisecond) + Begin("b") + "no newline" + End("b", 1, time.Second) + Done
	segs, done, err := Split(strings.NewReader(stream))
	if err != nil || !done || len(segs) != 2 {
		t.Fatalf("segs %+v done %v err %v", segs, done, err)
	}
	if string(segs[0].Output) != "line 1\nline 2\n" || !segs[0].Ended || segs[0].Exit != 0 || segs[0].Elapsed != 1500*time.Millisecond {
		t.Errorf("first: %+v", segs[0])
	}
	if string(segs[1].Output) != "no newline" || segs[1].Exit != 1 {
		t.Errorf("second: %q exit %d", segs[1].Output, segs[1].Exit)
	}
}

func TestSplitGuestDiedMidBinary(t *testing.T) {
	segs, done, err := Split(strings.NewReader(Begin("a") + "=== RUN TestX\n"))
	if err != nil || done || len(segs) != 1 || segs[0].Ended {
		t.Errorf("segs %+v done %v err %v: want one unended segment, not done", segs, done, err)
	}
}

func TestFilterRestoresTheBinaryOutputExactly(t *testing.T) {
	for _, out := range []string{"a\nb\n", "a\nb", "", "\n\n", "x\n\ny\n"} {
		stream := Begin("p") + out + End("p", 0, time.Second) + Done
		var got bytes.Buffer
		f := NewFilter(&got)
		for i := 0; i < len(stream); i += 3 { // in pieces, as a serial port delivers
			f.Write([]byte(stream[i:min(i+3, len(stream))]))
		}
		f.Close()
		if got.String() != out {
			t.Errorf("filtered %q, want %q", got.String(), out)
		}
	}
}
