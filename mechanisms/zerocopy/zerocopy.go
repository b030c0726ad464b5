// Package zerocopy holds ipcsuite's tests of the calls that move file and
// pipe data inside the kernel (man 2 sendfile, splice, tee, vmsplice and
// copy_file_range) and a benchmark that moves a file to another process
// with and without them.
package zerocopy

// The data every test and the benchmark move is one stream of bytes whose
// value depends on the position, with a period prime to the page
// size, so that a lost, repeated or shifted page or offset shows.
const period = 251

// Fill sets p to the stream's bytes from position from on.
func Fill(p []byte, from int64) {
	v := byte(from % period)
	for i := range p {
		p[i] = v
		if v++; v == period {
			v = 0
		}
	}
}

// Mismatch returns the index of the first byte of p that is not the
// stream's byte at position from+index, or -1 when p matches.
func Mismatch(p []byte, from int64) int {
	v := byte(from % period)
	for i, b := range p {
		if b != v {
			return i
		}
		if v++; v == period {
			v = 0
		}
	}
	return -1
}
