package stream

import "golang.org/x/sys/unix"

// A PositionCall is a call that needs a file position, made on a stream's
// read end r or write end w. A stream has none: each fails with ESPIPE.
type PositionCall struct {
	Rule string
	Call func(r, w int) error
}

// PositionCalls lists lseek with each whence on each end, pread on the read
// end and pwrite on the write end.
func PositionCalls() []PositionCall {
	seek := func(whence int, onReadEnd bool) func(r, w int) error {
		return func(r, w int) error {
			fd := w
			if onReadEnd {
				fd = r
			}
			_, err := unix.Seek(fd, 0, whence)
			return err
		}
	}
	return []PositionCall{
		{"lseek SEEK_SET on the read end", seek(unix.SEEK_SET, true)},
		{"lseek SEEK_CUR on the read end", seek(unix.SEEK_CUR, true)},
		{"lseek SEEK_END on the read end", seek(unix.SEEK_END, true)},
		{"lseek SEEK_SET on the write end", seek(unix.SEEK_SET, false)},
		{"lseek SEEK_CUR on the write end", seek(unix.SEEK_CUR, false)},
		{"lseek SEEK_END on the write end", seek(unix.SEEK_END, false)},
		{"pread on the read end", func(r, _ int) error { _, err := unix.Pread(r, make([]byte, 4), 0); return err }},
		{"pwrite on the write end", func(_, w int) error { _, err := unix.Pwrite(w, []byte("x"), 0); return err }},
	}
}
