package shmring

// The shape of the rings behind the table's shared-memory rows (the
// sysvshm, mmap and posixshm transports), so that the rows differ only in
// the memory under them and in how a side waits.
const (
	// RowMaxSize is the largest message of the contract and the table:
	// what a pipe carries in one write of its default capacity.
	RowMaxSize = 1 << 16
	// RowStreamMax is the largest message a row's ring carries, for the
	// streaming benchmark; a message touches only the lines it uses.
	RowStreamMax = 1 << 20
	// RowCapacity is the messages a direction holds: more than the
	// contract keeps in flight, so that neither side waits for space there.
	RowCapacity = 16
)

// RowPairSize is the bytes of a row's two rings.
func RowPairSize() int { return PairSize(RowCapacity, RowStreamMax) }

// RowConfig is a row's ring in a process whose test process is parent (0
// in the test process itself), spinning; the caller sets how a side
// sleeps instead (Futex, or the Data and Space doorbells).
func RowConfig(parent int) Config {
	return Config{Capacity: RowCapacity, MaxSize: RowStreamMax, Parent: parent}
}
