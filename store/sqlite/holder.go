package sqlite

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
)

// holderName names a Store in cc_drain_lock: this host, this process and a
// random part, so that two Stores never share a name, and a Store on the
// same host can tell that the holder's process is gone.
func holderName() string {
	var id [8]byte
	_, _ = rand.Read(id[:])
	host, _ := os.Hostname()
	return strings.ReplaceAll(host, "/", "_") + "/" + strconv.Itoa(os.Getpid()) + "/" + hex.EncodeToString(id[:])
}

// deadHolder reports whether holder names a process of this host that no
// longer runs: its lease protects nothing, and a restarted process need not
// wait for it to run out. A holder of another host, of this process, or of
// a name this store did not make, counts as alive.
func deadHolder(holder string) bool {
	host, rest, ok := strings.Cut(holder, "/")
	if !ok {
		return false
	}
	pidText, _, ok := strings.Cut(rest, "/")
	if !ok {
		return false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	me, _ := os.Hostname()
	return host == strings.ReplaceAll(me, "/", "_") && !processAlive(pid)
}
