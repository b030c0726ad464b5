package table

import (
	"path/filepath"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// cStreamMax is the largest message of testdata/cref/stream.c.
const cStreamMax = 1 << 20

// cStream is the C reference of the streaming benchmark: the ring of
// helpers/shmring written in C (testdata/cref/stream.c), one way, both
// processes spinning. It is built once per Streams run, by the first
// benchmark that needs it.
type cStream struct {
	src, dir string
	prog     CProgram
}

func (c *cStream) build(b *testing.B) CProgram {
	if c.prog.Path == "" {
		c.prog = CProgram{Name: "c-shmring", Path: proc.BuildC(b, c.dir, c.src), MaxSize: cStreamMax, Spins: true}
	}
	return c.prog
}

// run streams b.N messages of size bytes from a process on place.Self
// to one on place.Peer and reports the program's own timing under the
// metrics of Stream: ns/op and msg/s per message, MB/s one way, and
// cpu-ns/op of both processes.
func (c *cStream) run(b *testing.B, place Placement, size int) {
	if place.Self == place.Peer {
		b.Skip("the C ring spins: two spinners on one CPU starve each other")
	}
	measureC(b, c.build(b), place, size, size)
}

func newCStream(srcDir, dir string) *cStream {
	return &cStream{src: filepath.Join(srcDir, "stream.c"), dir: dir}
}
