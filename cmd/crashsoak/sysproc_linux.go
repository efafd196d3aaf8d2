package main

import "syscall"

// childAttr makes a child die with the harness: a harness killed itself
// leaves no child polling a Bot API that is gone.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
