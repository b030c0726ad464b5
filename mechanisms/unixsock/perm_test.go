package unixsock

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// Connecting to a socket file needs write permission on it (man 7 unix):
// a peer of another uid gets EACCES unless the mode grants others write.
func TestOtherUIDNeedsWritePermissionToConnect(t *testing.T) {
	cred := sys.OtherUID(t)
	peer := spawnSock(t, proc.PeerSpec{Credential: cred})
	for _, c := range []struct {
		mode os.FileMode
		want string
	}{
		{0o600, "EACCES"},
		{0o604, "EACCES"},
		{0o602, "ok"},
		{0o666, "ok"},
	} {
		t.Run("mode_"+strconv.FormatUint(uint64(c.mode), 8), func(t *testing.T) {
			path := sockPath(t)
			listenAt(t, unix.SOCK_STREAM, path, 1)
			if err := os.Chmod(path, c.mode); err != nil {
				t.Fatal(err)
			}
			s := peer.fd(t, "socket stream")
			peer.Must(t, c.want, "connect %d %s", s, path)
			peer.Must(t, "ok", "close %d", s)
		})
	}
}
