package stream

import (
	"bytes"
	"strings"
	"testing"
)

// The record checker must see what it exists to see: a write torn by
// another writer's bytes, a lost or reordered record, a missing tail.
func TestCheckRecordsCatchesTornLostAndMissingRecords(t *testing.T) {
	cat := func(parts ...[]byte) *bytes.Reader { return bytes.NewReader(bytes.Join(parts, nil)) }
	a0, a1 := MakeRecord(0, 0, PipeBuf), MakeRecord(0, 1, 100)
	b0 := MakeRecord(1, 0, 300)
	if n, sw, err := CheckRecords(cat(a0, b0, a1), 2, -1); err != nil || n != 3 || sw != 2 {
		t.Fatalf("good stream: %d records, %d switches, %v", n, sw, err)
	}
	for _, c := range []struct {
		name      string
		stream    *bytes.Reader
		perWriter int
		want      string
	}{
		{"interleaved", cat(a0[:2000], b0, a0[2000:], a1), -1, "interleaved"},
		{"reordered", cat(a1, a0), -1, "writer 0 sent record 1, want 0"},
		{"cut short", cat(a0, a1[:50]), -1, "cut short"},
		{"missing", cat(a0, a1), 3, "2 records arrived, want 3"},
		{"same fill, other record", cat(a0[:RecordHeaderLen], MakeRecord(0, 1, PipeBuf)[RecordHeaderLen:]), -1, "differs"},
	} {
		if _, _, err := CheckRecords(c.stream, 2, c.perWriter); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error about %q", c.name, err, c.want)
		}
	}
}
