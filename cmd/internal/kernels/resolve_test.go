package kernels

import (
	"os"
	"slices"
	"testing"
)

// The testdata files are apt-cache depends output captured from each suite.
func TestResolveImagePackagePerSuite(t *testing.T) {
	cases := []struct {
		suite, image, binary string
	}{
		{"bullseye", "linux-image-5.10.0-32-cloud-amd64", "linux-image-5.10.0-32-cloud-amd64"},
		{"bookworm", "linux-image-6.1.0-50-cloud-amd64", "linux-image-6.1.0-50-cloud-amd64"},
		{"trixie", "linux-image-6.12.117+deb13-cloud-amd64", "linux-image-6.12.117+deb13-cloud-amd64"},
		// Since 7.x the image package is a shell; vmlinuz is in linux-binary-*.
		{"sid", "linux-image-7.2.13+deb14-cloud-amd64", "linux-binary-7.2.13+deb14-cloud-amd64"},
	}
	for _, c := range cases {
		t.Run(c.suite, func(t *testing.T) {
			image, err := ImageOf(Depends(read(t, c.suite+"-meta.txt")))
			if err != nil {
				t.Fatal(err)
			}
			if image != c.image {
				t.Errorf("image package %q, want %q", image, c.image)
			}
			if got := BinaryOf(image, Depends(read(t, c.suite+"-image.txt"))); got != c.binary {
				t.Errorf("vmlinuz package %q, want %q", got, c.binary)
			}
		})
	}
}

func TestDependsSkipsAlternativesVirtualsAndOtherFields(t *testing.T) {
	got := Depends(read(t, "bullseye-image.txt"))
	want := []string{"kmod", "linux-base"}
	if !slices.Equal(got, want) {
		t.Errorf("Depends = %q, want %q", got, want)
	}
}

func TestImageOfWithoutImage(t *testing.T) {
	if _, err := ImageOf([]string{"linux-base-cloud-amd64"}); err == nil {
		t.Error("no error for a metapackage without an image dependency")
	}
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"5.10", "bullseye", "7.x", "sid"} {
		if _, err := Lookup(name); err != nil {
			t.Errorf("Lookup(%q): %v", name, err)
		}
	}
	if _, err := Lookup("4.19"); err == nil {
		t.Error("Lookup(4.19) found a suite")
	}
}

func TestField(t *testing.T) {
	stanza := "Package: linux-image-6.1.0-50-cloud-amd64\nVersion: 6.1.176-1\nVersion: 6.1.170-1\n"
	if got := field(stanza, "Version"); got != "6.1.176-1" {
		t.Errorf("field = %q", got)
	}
}

func read(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestIsKernelImage(t *testing.T) {
	for name, want := range map[string]bool{
		"./boot/vmlinuz-6.1.0-50-cloud-amd64":                 true,
		"./usr/lib/modules/7.2.13+deb14-cloud-amd64/vmlinuz":  true,
		"./boot/System.map-6.1.0-50-cloud-amd64":              false,
		"./usr/lib/modules/7.2.13+deb14-cloud-amd64/kernel/x": false,
		"./usr/share/doc/linux-binary-7.2.13/vmlinuz/readme":  false,
	} {
		if got := IsKernelImage(name); got != want {
			t.Errorf("IsKernelImage(%q) = %v", name, got)
		}
	}
}
