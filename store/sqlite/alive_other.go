//go:build !unix

package sqlite

// processAlive reports whether a process with this id runs on this host.
// Where that cannot be asked, every holder counts as alive and its lease
// runs out.
func processAlive(int) bool { return true }
