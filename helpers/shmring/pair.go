package shmring

// PairSize is how many bytes of shared memory the two rings of a channel
// need.
func PairSize(capacity, maxSize int) int { return 2 * Size(capacity, maxSize) }

// NewPair lays the two directions of a channel over mem, which must hold
// PairSize bytes: the ring from the test process to the peer first,
// configured by toPeer, then the way back, configured by toTest. It returns
// this process's Tx and Rx; inPeer says which process this is.
func NewPair(mem []byte, toPeer, toTest Config, inPeer bool) (tx, rx *Ring, err error) {
	n := Size(toPeer.Capacity, toPeer.MaxSize)
	there, err := New(mem[:n], toPeer)
	if err != nil {
		return nil, nil, err
	}
	back, err := New(mem[n:], toTest)
	if err != nil {
		return nil, nil, err
	}
	if inPeer {
		return back, there, nil
	}
	return there, back, nil
}
