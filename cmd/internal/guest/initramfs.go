// Package guest builds the initramfs of a matrix guest and boots it under
// qemu.
package guest

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/u-root/u-root/pkg/cpio"

	"github.com/ipcsuite/ipcsuite/cmd/internal/vmproto"
)

// A Binary is a test binary to place in the initramfs.
type Binary struct {
	Pkg      string // import path
	Local    string // the built binary on the host
	Dir      string // the package's source directory on the host
	Testdata string // the package's testdata directory on the host, or ""
}

// GuestDir is where a package's binary and testdata go in the guest.
func GuestDir(pkg string) string {
	return "/pkg/" + strings.ReplaceAll(pkg, "/", "_")
}

// Initramfs writes a newc cpio archive holding the init, each binary with
// its testdata, the plan, and the directories and /dev/console the kernel
// needs before the init runs (it opens /dev/console for the init's stdio).
func Initramfs(w io.Writer, initPath string, bins []Binary, plan vmproto.Plan) error {
	recs := []cpio.Record{
		cpio.Directory("dev", 0o755),
		cpio.CharDev("dev/console", 0o600, 5, 1),
		cpio.Directory("proc", 0o555),
		cpio.Directory("sys", 0o555),
		cpio.Directory("tmp", 0o1777),
		cpio.Directory("pkg", 0o755),
		cpio.Directory(strings.TrimPrefix(path.Dir(vmproto.PlanPath), "/"), 0o755),
	}
	init, err := fileRecord(initPath, "init", 0o755)
	if err != nil {
		return err
	}
	// The guest has no coreutils; the init doubles as sleep(1), which
	// the harness's leak-check control starts as a stray child.
	recs = append(recs, init, cpio.Directory("bin", 0o755), cpio.Symlink("bin/sleep", "/init"))
	for _, b := range bins {
		dir := strings.TrimPrefix(GuestDir(b.Pkg), "/")
		recs = append(recs, cpio.Directory(dir, 0o755))
		rec, err := fileRecord(b.Local, dir+"/"+path.Base(dir)+".test", 0o755)
		if err != nil {
			return err
		}
		recs = append(recs, rec)
		if b.Testdata != "" {
			td, err := treeRecords(b.Testdata, dir+"/testdata")
			if err != nil {
				return err
			}
			recs = append(recs, td...)
		}
	}
	planJSON, err := json.MarshalIndent(plan, "", "  ")
	if err != nil {
		return err
	}
	recs = append(recs, cpio.StaticFile(strings.TrimPrefix(vmproto.PlanPath, "/"), string(planJSON), 0o644))

	rw := cpio.Newc.Writer(w)
	if err := cpio.WriteRecords(rw, recs); err != nil {
		return err
	}
	return cpio.WriteTrailer(rw)
}

// GuestBinary is where Initramfs puts a package's binary.
func GuestBinary(pkg string) string {
	dir := GuestDir(pkg)
	return dir + "/" + path.Base(dir) + ".test"
}

func fileRecord(local, name string, perm uint64) (cpio.Record, error) {
	data, err := os.ReadFile(local)
	if err != nil {
		return cpio.Record{}, err
	}
	return cpio.StaticRecord(data, cpio.Info{Name: name, Mode: cpio.S_IFREG | perm, NLink: 1}), nil
}

// treeRecords copies a directory tree of regular files.
func treeRecords(local, name string) ([]cpio.Record, error) {
	var recs []cpio.Record
	err := filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(local, p)
		target := path.Join(name, filepath.ToSlash(rel))
		switch {
		case d.IsDir():
			recs = append(recs, cpio.Directory(target, 0o755))
		case d.Type().IsRegular():
			rec, err := fileRecord(p, target, 0o644)
			if err != nil {
				return err
			}
			recs = append(recs, rec)
		default:
			return fmt.Errorf("%s: only directories and regular files go in the initramfs", p)
		}
		return nil
	})
	return recs, err
}
