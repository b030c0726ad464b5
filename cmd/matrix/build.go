package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ipcsuite/ipcsuite/cmd/internal/guest"
)

// testPackages lists the packages with tests, leaving out cmd/...: those
// test host-side tools, not the kernel.
func testPackages(ctx context.Context) ([]guest.Binary, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-f",
		`{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}} {{.Dir}}{{end}}`, "./...").Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v", stderrOf(err))
	}
	var bins []guest.Binary
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, dir, ok := strings.Cut(line, " ")
		if !ok || strings.Contains(pkg+"/", "/cmd/") {
			continue
		}
		b := guest.Binary{Pkg: pkg, Dir: dir}
		if fi, err := os.Stat(filepath.Join(dir, "testdata")); err == nil && fi.IsDir() {
			b.Testdata = filepath.Join(dir, "testdata")
		}
		bins = append(bins, b)
	}
	return bins, nil
}

// buildAll builds the guest's init and every package's test binary,
// static: a dynamically linked binary fails in the guest with a misleading
// "no such file or directory".
func buildAll(ctx context.Context, bins []guest.Binary, dir string) (initPath string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Absolute: each binary runs in its own package's directory.
	if dir, err = filepath.Abs(dir); err != nil {
		return "", err
	}
	initPath = filepath.Join(dir, "vminit")
	if err := goStatic(ctx, "build", "-o", initPath, "./cmd/vminit"); err != nil {
		return "", err
	}
	for i, b := range bins {
		bins[i].Local = filepath.Join(dir, strings.ReplaceAll(strings.TrimPrefix(b.Pkg, "github.com/"), "/", "_")+".test")
		if err := goStatic(ctx, "test", "-c", "-o", bins[i].Local, b.Pkg); err != nil {
			return "", err
		}
	}
	return initPath, nil
}

func goStatic(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return fmt.Sprintf("%v: %s", err, ee.Stderr)
	}
	return err.Error()
}
