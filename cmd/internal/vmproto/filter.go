package vmproto

import (
	"bytes"
	"io"
	"strings"
)

// A Filter passes a results stream on without its frames, byte for byte as
// the binaries wrote it: the newline that a frame adds before itself goes
// too.
type Filter struct {
	w       io.Writer
	partial []byte // a line not yet ended
	newline bool   // a line's newline is held until the next line shows it is not a frame's
}

// NewFilter writes the unframed stream to w.
func NewFilter(w io.Writer) *Filter { return &Filter{w: w} }

// Write takes any piece of the stream.
func (f *Filter) Write(p []byte) (int, error) {
	f.partial = append(f.partial, p...)
	for {
		i := bytes.IndexByte(f.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := f.partial[:i]
		if err := f.line(line); err != nil {
			return len(p), err
		}
		f.partial = f.partial[i+1:]
	}
}

func (f *Filter) line(line []byte) error {
	if strings.HasPrefix(string(line), marker) {
		f.newline = false
		return nil
	}
	var out []byte
	if f.newline {
		out = append(out, '\n')
	}
	out = append(out, line...)
	f.newline = true
	_, err := f.w.Write(out)
	return err
}

// Close writes what is left: a last line without a frame after it, as when
// the guest died.
func (f *Filter) Close() error {
	var out []byte
	if f.newline {
		out = append(out, '\n')
	}
	out = append(out, f.partial...)
	f.partial, f.newline = nil, false
	_, err := f.w.Write(out)
	return err
}
