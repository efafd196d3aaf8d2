package conversation

// codedError is an error of this package's contract, with a stable code for
// programs and a message for people.
type codedError struct{ code, msg string }

func (e *codedError) Error() string { return e.msg }

// Code returns the stable code of the error: "not_found", "conflict",
// "invalid" or "forbidden".
func (e *codedError) Code() string { return e.code }

// Errors of the conversation contract. Test for them with errors.Is; the
// message of a returned error names the object concerned.
var (
	// ErrNotFound is returned for a conversation that does not exist in the
	// workspace asked about.
	ErrNotFound error = &codedError{"not_found", "conversation not found"}
	// ErrMessageNotFound is returned for a message that does not exist in the
	// workspace asked about.
	ErrMessageNotFound error = &codedError{"not_found", "message not found"}
	// ErrAgentNotFound is returned for an agent who does not exist in the
	// workspace asked about.
	ErrAgentNotFound error = &codedError{"not_found", "agent not found"}
	// ErrTeamNotFound is returned for a team that does not exist in the
	// workspace asked about.
	ErrTeamNotFound error = &codedError{"not_found", "team not found"}
	// ErrClosed is returned when a change needs an open conversation and the
	// conversation is closed.
	ErrClosed error = &codedError{"conflict", "conversation is closed"}
	// ErrForbidden is returned when the actor may not make the change: an
	// agent taking a conversation assigned to another agent, an agent of
	// another workspace.
	ErrForbidden error = &codedError{"forbidden", "not allowed"}
	// ErrInvalid is returned for input that breaks a rule of this package:
	// an empty message, an oversized text or attachment, a voice note longer
	// than MaxVoiceDuration (R13), an unknown kind.
	ErrInvalid error = &codedError{"invalid", "invalid input"}
)
