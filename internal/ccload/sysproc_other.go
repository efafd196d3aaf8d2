//go:build !linux

package ccload

import "syscall"

// childAttr is nil where a child cannot be tied to its parent's life: a
// child whose stdin closes stops by itself.
func childAttr() *syscall.SysProcAttr { return nil }
