// Package coded is the error type of the domain packages' sentinel errors:
// a stable code for programs (a host UI, an HTTP status mapping) and a
// message for people. The engine reads the code through the Code method.
package coded

// Error is a sentinel error with a stable code.
type Error struct{ code, msg string }

// New returns an error with code and message msg.
func New(code, msg string) error { return &Error{code, msg} }

func (e *Error) Error() string { return e.msg }

// Code returns the stable code: "not_found", "conflict", "invalid",
// "forbidden" or "unavailable".
func (e *Error) Code() string { return e.code }
