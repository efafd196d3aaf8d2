package contactcenter

import (
	"context"
	"errors"
	"fmt"

	"github.com/telenet/contactcenter/store"
)

// Code is the stable code of an error: what kind of failure it is, for
// programs (a host UI, an HTTP status).
type Code string

// Error codes.
const (
	// CodeNotFound: an id that does not exist in the workspace.
	CodeNotFound Code = "not_found"
	// CodeConflict: the state does not allow the change (a closed
	// conversation, a ticket closed already): trying again fails the same
	// way until the state changes.
	CodeConflict Code = "conflict"
	// CodeContention: concurrent changes kept colliding with the command
	// for all of Config.MaxAttempts; nothing was changed, and trying again
	// may succeed.
	CodeContention Code = "contention"
	// CodeInvalid: malformed input or configuration, or data the store
	// refused for good (store.ErrRejected): the same call fails again.
	CodeInvalid Code = "invalid"
	// CodeForbidden: the actor may not make the change.
	CodeForbidden Code = "forbidden"
	// CodeUnavailable: the store or a channel failed; the change was not
	// made and may succeed later.
	CodeUnavailable Code = "unavailable"
	// CodeCanceled: the context was canceled or its deadline passed.
	CodeCanceled Code = "canceled"
)

// Error is the error every Engine method returns. Code says what kind of
// failure it is; Op names the operation; Err is the cause, which
// errors.Is and errors.As see through (conversation.ErrClosed,
// store.ErrConflict, a *channel.RetryAfterError…).
//
// errors.Is(err, ErrNotFound) (and the other Err values of this package)
// matches any Error with that code.
type Error struct {
	Op   string
	Code Code
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("contactcenter: %s: %v", e.Op, e.Err) }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the code sentinel of e's code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Err == nil && t.Op == "" && t.Code == e.Code
}

// Code sentinels, for errors.Is.
var (
	ErrNotFound    = &Error{Code: CodeNotFound}
	ErrConflict    = &Error{Code: CodeConflict}
	ErrContention  = &Error{Code: CodeContention}
	ErrInvalid     = &Error{Code: CodeInvalid}
	ErrForbidden   = &Error{Code: CodeForbidden}
	ErrUnavailable = &Error{Code: CodeUnavailable}
	ErrCanceled    = &Error{Code: CodeCanceled}
)

// ErrorCode returns the code of err: the code of an *Error in its chain, or
// the code the domain packages give their errors, or CodeUnavailable for
// any other failure. It returns "" for a nil error.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return codeOf(err)
}

// codeOf classifies a cause.
func codeOf(err error) Code {
	var coded interface{ Code() string }
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return CodeCanceled
	case errors.As(err, &coded):
		return Code(coded.Code())
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrDuplicate):
		return CodeContention
	case errors.Is(err, store.ErrNotFound):
		return CodeNotFound
	case errors.Is(err, store.ErrRejected), errors.Is(err, store.ErrDangling):
		return CodeInvalid
	case errors.Is(err, store.ErrReferenced):
		return CodeConflict
	}
	return CodeUnavailable
}

// wrap returns err as an *Error of operation op; nil stays nil.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Op: op, Code: codeOf(err), Err: err}
}
