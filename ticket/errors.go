package ticket

import "github.com/telenet/contactcenter/internal/coded"

// Errors of the ticket contract. Test for them with errors.Is; the message of
// a returned error names the object concerned.
var (
	// ErrNotFound is returned when a ticket does not exist in the workspace
	// asked about.
	ErrNotFound error = coded.New("not_found", "ticket not found")
	// ErrContactNotFound is returned when a contact does not exist in the
	// workspace asked about.
	ErrContactNotFound error = coded.New("not_found", "contact not found")
	// ErrClosed is returned when a change needs an open ticket and the ticket
	// is closed.
	ErrClosed error = coded.New("conflict", "ticket is closed")
	// ErrInvalid is returned when a value breaks a rule of this package: an
	// empty id, a subject that is too long, an unknown priority.
	ErrInvalid error = coded.New("invalid", "invalid ticket")
)

// ErrWorkspaceNotFound is returned when a workspace is unknown to whoever
// is asked about it: an engine knows the workspaces it serves a channel
// in.
var ErrWorkspaceNotFound error = coded.New("not_found", "workspace not found")
