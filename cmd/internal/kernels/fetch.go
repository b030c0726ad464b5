package kernels

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// Keyring signs every suite the matrix uses (debian-archive-keyring).
const Keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

// Mirror is the archive kernels come from.
const Mirror = "http://deb.debian.org/debian"

// A Kernel is a fetched kernel image.
type Kernel struct {
	Suite
	Package string // the package vmlinuz came from
	Version string // the package's version
	Path    string // the cached vmlinuz
}

// Fetch resolves the suite's cloud kernel and returns its vmlinuz, from the
// cache under cacheDir when that version is already there. logf reports
// what it does.
func Fetch(ctx context.Context, s Suite, cacheDir string, logf func(string, ...any)) (Kernel, error) {
	a := apt{dir: filepath.Join(cacheDir, "apt", s.Suite)}
	if err := a.setUp(s.Suite); err != nil {
		return Kernel{}, err
	}
	if _, err := a.run(ctx, "apt-get", "-qq", "update"); err != nil {
		return Kernel{}, err
	}
	metaDeps, err := a.run(ctx, "apt-cache", "depends", Meta)
	if err != nil {
		return Kernel{}, err
	}
	image, err := ImageOf(Depends(metaDeps))
	if err != nil {
		return Kernel{}, fmt.Errorf("%s: %v", s.Suite, err)
	}
	imageDeps, err := a.run(ctx, "apt-cache", "depends", image)
	if err != nil {
		return Kernel{}, err
	}
	pkg := BinaryOf(image, Depends(imageDeps))
	version, err := a.run(ctx, "apt-cache", "show", "--no-all-versions", pkg)
	if err != nil {
		return Kernel{}, err
	}
	k := Kernel{Suite: s, Package: pkg, Version: field(version, "Version")}
	if k.Version == "" {
		return Kernel{}, fmt.Errorf("%s: no version for %s", s.Suite, pkg)
	}
	dir := filepath.Join(cacheDir, pkg+"_"+k.Version)
	k.Path = filepath.Join(dir, "vmlinuz")
	if _, err := os.Stat(k.Path); err == nil {
		logf("kernel %s: %s %s (cached)", s.Label, pkg, k.Version)
		return k, nil
	}
	logf("kernel %s: downloading %s %s", s.Label, pkg, k.Version)
	if err := a.download(ctx, pkg, dir); err != nil {
		return Kernel{}, err
	}
	return k, nil
}

// field reads one field of the first stanza of apt-cache show.
func field(stanza, name string) string {
	for _, line := range strings.Split(stanza, "\n") {
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// apt runs apt-get and apt-cache with a sources list, state and cache of
// their own, so that the machine's apt configuration is neither read nor
// changed.
type apt struct{ dir string }

func (a apt) setUp(suite string) error {
	for _, d := range []string{"state/lists/partial", "cache/archives/partial", "preferences.d", "download"} {
		if err := os.MkdirAll(filepath.Join(a.dir, d), 0o755); err != nil {
			return err
		}
	}
	// An empty dpkg status: nothing counts as installed.
	if err := os.WriteFile(filepath.Join(a.dir, "state", "status"), nil, 0o644); err != nil {
		return err
	}
	line := fmt.Sprintf("deb [signed-by=%s] %s %s main\n", Keyring, Mirror, suite)
	return os.WriteFile(filepath.Join(a.dir, "sources.list"), []byte(line), 0o644)
}

func (a apt) options() []string {
	return []string{
		"-o", "Dir::Etc::sourcelist=" + filepath.Join(a.dir, "sources.list"),
		"-o", "Dir::Etc::sourceparts=-",
		"-o", "Dir::Etc::preferences=" + filepath.Join(a.dir, "preferences"),
		"-o", "Dir::Etc::preferencesparts=" + filepath.Join(a.dir, "preferences.d"),
		"-o", "Dir::State=" + filepath.Join(a.dir, "state"),
		"-o", "Dir::State::status=" + filepath.Join(a.dir, "state", "status"),
		"-o", "Dir::Cache=" + filepath.Join(a.dir, "cache"),
		"-o", "APT::Architecture=amd64",
	}
}

func (a apt) run(ctx context.Context, tool string, args ...string) (string, error) {
	return a.runIn(ctx, "", tool, args...)
}

func (a apt) runIn(ctx context.Context, dir, tool string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, tool, append(a.options(), args...)...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v: %s", tool, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// download fetches pkg's .deb and extracts only the kernel image from it
// to dir/vmlinuz. The .deb is removed afterwards.
func (a apt) download(ctx context.Context, pkg, dir string) error {
	work := filepath.Join(a.dir, "download")
	os.RemoveAll(work)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if _, err := a.runIn(ctx, work, "apt-get", "-qq", "download", pkg); err != nil {
		return err
	}
	debs, _ := filepath.Glob(filepath.Join(work, "*.deb"))
	if len(debs) != 1 {
		return fmt.Errorf("apt-get download %s left %d .deb files", pkg, len(debs))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "vmlinuz.part")
	if err := extractKernel(ctx, debs[0], tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %v", filepath.Base(debs[0]), err)
	}
	// Rename last, so that a cached vmlinuz is always whole.
	return os.Rename(tmp, filepath.Join(dir, "vmlinuz"))
}

// IsKernelImage tells the kernel image among a package's files: until 6.x
// ./boot/vmlinuz-VERSION, since 7.x ./usr/lib/modules/VERSION/vmlinuz.
func IsKernelImage(name string) bool {
	name = strings.TrimPrefix(name, ".")
	if ok, _ := path.Match("/boot/vmlinuz-*", name); ok {
		return true
	}
	ok, _ := path.Match("/usr/lib/modules/*/vmlinuz", name)
	return ok
}

// extractKernel reads the .deb's file tree (dpkg-deb --fsys-tarfile) and
// writes only the kernel image to dst.
func extractKernel(ctx context.Context, deb, dst string) error {
	cmd := exec.CommandContext(ctx, "dpkg-deb", "--fsys-tarfile", deb)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	tarStream, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	found, err := copyKernel(tar.NewReader(tarStream), dst)
	io.Copy(io.Discard, tarStream)
	if werr := cmd.Wait(); werr != nil && err == nil {
		err = fmt.Errorf("dpkg-deb: %v: %s", werr, stderr.String())
	}
	if err == nil && !found {
		err = fmt.Errorf("no vmlinuz in the package")
	}
	return err
}

func copyKernel(tr *tar.Reader, dst string) (bool, error) {
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if h.Typeflag != tar.TypeReg || !IsKernelImage(h.Name) {
			continue
		}
		f, err := os.Create(dst)
		if err != nil {
			return false, err
		}
		if _, err := io.Copy(f, tr); err != nil {
			f.Close()
			return false, err
		}
		return true, f.Close()
	}
}
