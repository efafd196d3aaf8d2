//go:build !linux

package main

import "syscall"

// childAttr returns the children's process attributes: none beyond the
// defaults where the system cannot tie a child's life to its parent's.
func childAttr() *syscall.SysProcAttr { return nil }
