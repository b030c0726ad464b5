// Package kernels fetches Debian's cloud kernels for the conformance
// matrix: it resolves each suite's linux-image-cloud-amd64 metapackage
// through a private apt configuration (never the machine's own), downloads
// the package that holds the kernel image, extracts only vmlinuz and caches
// it per resolved version.
package kernels

import (
	"bufio"
	"fmt"
	"strings"
)

// A Suite is one kernel column.
type Suite struct {
	Label string // the column's name: 5.10, 6.1, 6.12, 7.x
	Suite string // the Debian suite that carries it
}

// Suites are the kernel columns, oldest first.
var Suites = []Suite{
	{"5.10", "bullseye"},
	{"6.1", "bookworm"},
	{"6.12", "trixie"},
	{"7.x", "sid"},
}

// Lookup finds a suite by column label or suite name.
func Lookup(name string) (Suite, error) {
	for _, s := range Suites {
		if name == s.Label || name == s.Suite {
			return s, nil
		}
	}
	return Suite{}, fmt.Errorf("unknown kernel %q (want one of 5.10, 6.1, 6.12, 7.x)", name)
}

// Meta is the metapackage that follows each suite's current cloud kernel.
// Exact versions rotate out of the archive; the metapackage does not.
const Meta = "linux-image-cloud-amd64"

// Depends lists the package names that `apt-cache depends PKG` prints as
// plain Depends or PreDepends of the first package it shows. Alternatives
// ("|Depends") and virtual packages (<...>) are left out: a kernel image is
// neither.
func Depends(aptCacheOutput string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(aptCacheOutput))
	pkgs := 0
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, " ") {
			if pkgs++; pkgs > 1 {
				break // apt-cache printed a second package
			}
			continue
		}
		kind, name, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok || (kind != "Depends" && kind != "PreDepends") || strings.HasPrefix(name, "<") {
			continue
		}
		out = append(out, name)
	}
	return out
}

// ImageOf picks the versioned image package out of the metapackage's
// dependencies, e.g. linux-image-6.1.0-50-cloud-amd64.
func ImageOf(metaDeps []string) (string, error) {
	for _, d := range metaDeps {
		if strings.HasPrefix(d, "linux-image-") && d != Meta {
			return d, nil
		}
	}
	return "", fmt.Errorf("%s depends on no linux-image package (got %v)", Meta, metaDeps)
}

// BinaryOf says which package holds the vmlinuz of image, given image's own
// dependencies: since 7.x (sid) the image package is a shell around a
// linux-binary-* package; before, it holds the kernel itself.
func BinaryOf(image string, imageDeps []string) string {
	want := "linux-binary-" + strings.TrimPrefix(image, "linux-image-")
	for _, d := range imageDeps {
		if d == want {
			return d
		}
	}
	return image
}
