package sqlite

import (
	"os"
	"strconv"
	"strings"
)

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
