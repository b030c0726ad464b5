package pipe

import "golang.org/x/sys/unix"

// pipeTrap is pipe(2)'s number where the architecture has the call.
func pipeTrap() (uintptr, bool) { return unix.SYS_PIPE, true }
