package guest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/u-root/u-root/pkg/cpio"

	"github.com/ipcsuite/ipcsuite/cmd/internal/vmproto"
)

func TestInitramfsHoldsConsoleInitBinariesAndPlan(t *testing.T) {
	dir := t.TempDir()
	initPath := filepath.Join(dir, "vminit")
	bin := filepath.Join(dir, "pipe.test")
	os.WriteFile(initPath, []byte("init"), 0o755)
	os.WriteFile(bin, []byte("binary"), 0o755)
	os.MkdirAll(filepath.Join(dir, "testdata", "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "testdata", "sub", "in.txt"), []byte("data"), 0o644)
	pkg := "github.com/ipcsuite/ipcsuite/mechanisms/pipe"
	plan := vmproto.Plan{Env: []string{"IPCSUITE_TIMESCALE=20"}, Runs: []vmproto.Run{{Pkg: pkg, Path: GuestBinary(pkg)}}}

	var buf bytes.Buffer
	if err := Initramfs(&buf, initPath, []Binary{{Pkg: pkg, Local: bin, Testdata: filepath.Join(dir, "testdata")}}, plan); err != nil {
		t.Fatal(err)
	}
	recs, err := cpio.ReadAllRecords(cpio.Newc.Reader(bytes.NewReader(buf.Bytes())))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]cpio.Record{}
	for _, r := range recs {
		byName[r.Name] = r
	}

	console, ok := byName["dev/console"]
	if !ok || console.Mode&cpio.S_IFMT != cpio.S_IFCHR || console.Rmajor != 5 || console.Rminor != 1 {
		t.Errorf("dev/console: %v, want a char device 5:1", console.Info)
	}
	init, ok := byName["init"]
	if !ok || init.Mode&cpio.S_IFMT != cpio.S_IFREG || init.Mode&0o111 == 0 {
		t.Errorf("init: %v, want an executable file", init.Info)
	}
	if got := content(t, byName[GuestBinary(pkg)[1:]]); got != "binary" {
		t.Errorf("%s holds %q", GuestBinary(pkg), got)
	}
	if got := content(t, byName[GuestDir(pkg)[1:]+"/testdata/sub/in.txt"]); got != "data" {
		t.Errorf("testdata file holds %q", got)
	}
	// A directory must come before what it holds: the kernel makes none.
	seen := map[string]bool{}
	for _, r := range recs {
		if parent := filepath.Dir(r.Name); parent != "." && !seen[parent] {
			t.Errorf("%s comes before its directory", r.Name)
		}
		seen[r.Name] = true
	}
	var got vmproto.Plan
	if err := json.Unmarshal([]byte(content(t, byName[vmproto.PlanPath[1:]])), &got); err != nil || got.Runs[0].Pkg != pkg {
		t.Errorf("plan: %+v, %v", got, err)
	}
}

func content(t *testing.T, r cpio.Record) string {
	t.Helper()
	if r.ReaderAt == nil {
		t.Fatalf("record %q missing", r.Name)
	}
	b := make([]byte, r.FileSize)
	if _, err := r.ReadAt(b, 0); err != nil && int64(len(b)) != 0 {
		t.Fatal(err)
	}
	return string(b)
}

func TestTroubleFindsOopsLine(t *testing.T) {
	console := []byte("[ 1.0] ok\n[ 2.0] BUG: kernel NULL pointer dereference, address: 0\n[ 2.1] more\n")
	if got := Trouble(console); got != "[ 2.0] BUG: kernel NULL pointer dereference, address: 0" {
		t.Errorf("Trouble = %q", got)
	}
	if got := Trouble([]byte("[ 1.0] reboot: Power down\n")); got != "" {
		t.Errorf("Trouble on a clean console = %q", got)
	}
}

func TestQemuArgsSerialPorts(t *testing.T) {
	args := Boot{Kernel: "k", Initrd: "i", Console: "c.log"}.Args()
	var serial []string
	for i, a := range args {
		if a == "-serial" {
			serial = append(serial, args[i+1])
		}
	}
	if len(serial) != 2 || serial[0] != "file:c.log" || serial[1] != "stdio" {
		t.Errorf("serial ports %q: want the console in the file, results on stdout", serial)
	}
}
