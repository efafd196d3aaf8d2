package ccload

import "syscall"

// childAttr makes a child die with the parent: a parent killed itself
// leaves no child writing to the database.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
