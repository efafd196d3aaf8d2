package ticket

// codedError is an error of this package's contract. Its Code is stable and
// meant for programs (a host UI, an HTTP status mapping); its message is for
// people.
type codedError struct{ code, msg string }

func (e *codedError) Error() string { return e.msg }

// Code returns the stable code of the error: "not_found", "conflict",
// "invalid" or "forbidden".
func (e *codedError) Code() string { return e.code }

// Errors of the ticket contract. Test for them with errors.Is; the message of
// a returned error names the object concerned.
var (
	// ErrNotFound is returned when a ticket does not exist in the workspace
	// asked about.
	ErrNotFound error = &codedError{"not_found", "ticket not found"}
	// ErrContactNotFound is returned when a contact does not exist in the
	// workspace asked about.
	ErrContactNotFound error = &codedError{"not_found", "contact not found"}
	// ErrClosed is returned when a change needs an open ticket and the ticket
	// is closed.
	ErrClosed error = &codedError{"conflict", "ticket is closed"}
	// ErrInvalid is returned when a value breaks a rule of this package: an
	// empty id, a subject that is too long, an unknown priority.
	ErrInvalid error = &codedError{"invalid", "invalid ticket"}
)
