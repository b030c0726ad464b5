package sys

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Sysctl reads the number in /proc/sys/NAME (NAME as "fs/pipe-max-size").
// A missing file is an error that errors.Is matches with fs.ErrNotExist.
func Sysctl(name string) (int, error) {
	data, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0, fmt.Errorf("/proc/sys/%s: %v", name, err)
	}
	return n, nil
}
