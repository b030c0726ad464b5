package ipcsuite_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/table"
)

// BenchmarkTable rebuilds the classic IPC throughput table: a ping-pong
// round trip between two processes per op, for every registered transport,
// placement and size. Names are keyed so that
//
//	go tool benchstat -row /mech -col /size -filter .unit:msg/s
//
// prints mechanism by size. Sizes other than the classic 100 B and 1 KB:
// -ipc.sizes=64,4096,65536.
func BenchmarkTable(b *testing.B) {
	for _, tr := range table.Transports() {
		for _, place := range table.Placements() {
			for _, size := range table.Sizes() {
				name := fmt.Sprintf("mech=%s/place=%s/size=%d", tr.Name, place.Name, size)
				b.Run(name, func(b *testing.B) { table.PingPong(b, tr, size, place) })
			}
		}
	}
}

// BenchmarkFloor measures the baselines every row is quoted against.
func BenchmarkFloor(b *testing.B) { table.Floors(b) }

// BenchmarkCReference measures the C programs of testdata/cref, plain C
// ping-pongs that the rows are compared with, in the same run and
// placements and under the same names of metrics: "shmring" spins on rings
// in the layout of helpers/shmring; "shm-classic" and "mmap-classic" are
// the classic table's "Shared Memory" and "Memory-Mapped Files" rows (a
// buffer per direction behind a flag word, in a SysV segment and in a
// mapped file); "posixmq" and "pipe" are blocking ping-pongs over two
// queues and two pipes. Each program times its own rounds.
func BenchmarkCReference(b *testing.B) {
	dir := b.TempDir()
	build := func(src string) string { return table.BuildC(b, dir, filepath.Join("testdata", "cref", src)) }
	ring, flag, mq, pipe := build("ring.c"), build("flag.c"), build("mq.c"), build("pipe.c")
	refs := []struct {
		prog table.CProgram
		// name returns the program's NAME argument, if it takes one.
		name func(b *testing.B) string
	}{
		{table.CProgram{Name: "shmring", Path: ring, MaxSize: 1 << 16, Spins: true}, nil},
		{table.CProgram{Name: "shm-classic", Path: flag, MaxSize: 1 << 16, Spins: true}, nil},
		{table.CProgram{Name: "mmap-classic", Path: flag, MaxSize: 1 << 16, Spins: true},
			func(b *testing.B) string { return filepath.Join(proc.Dir(b), "mapped") }},
		{table.CProgram{Name: "posixmq", Path: mq, MaxSize: 8192},
			func(*testing.B) string { return proc.Name() }},
		{table.CProgram{Name: "pipe", Path: pipe, MaxSize: 1 << 16}, nil},
	}
	for _, ref := range refs {
		for _, place := range table.Placements() {
			for _, size := range table.Sizes() {
				name := fmt.Sprintf("prog=%s/place=%s/size=%d", ref.prog.Name, place.Name, size)
				b.Run(name, func(b *testing.B) {
					var arg string
					if ref.name != nil {
						arg = ref.name(b)
					}
					table.RunC(b, ref.prog, place, size, arg)
				})
			}
		}
	}
}
