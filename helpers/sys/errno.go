package sys

import (
	"errors"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// ErrnoName names an error for failure messages: "EAGAIN" rather than the
// hex that an Errno prints as in testify's Equal.
func ErrnoName(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) {
		if name := unix.ErrnoName(errno); name != "" {
			return name
		}
		return fmt.Sprintf("errno %d", int(errno))
	}
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// RequireErrno fails the test unless err is exactly the errno want.
func RequireErrno(t testing.TB, err error, want unix.Errno, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %s, want %s", what, ErrnoName(err), ErrnoName(want))
	}
}
