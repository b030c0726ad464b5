package proc

import (
	"fmt"
	"os"
	"strings"
)

// unixSockets lists the unix sockets of the network namespace that are
// bound to an abstract name with one of the run's prefixes or to a path
// under the run's directory: a socket left open keeps its name, even once
// its file is removed. /proc/net/unix shows an abstract name's leading NUL
// as '@'.
func unixSockets(abstractPrefix, dir string) []string {
	data, err := os.ReadFile("/proc/net/unix")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		path := f[7]
		underDir := dir != "" && (strings.HasPrefix(path, dir+"/") || strings.HasPrefix(path, "@"+dir+"/"))
		if strings.HasPrefix(path, "@"+abstractPrefix) || underDir {
			out = append(out, fmt.Sprintf("unix socket %s (inode %s)", path, f[6]))
		}
	}
	return out
}
