package conversation

import "github.com/telenet/contactcenter/internal/coded"

// Errors of the conversation contract. Test for them with errors.Is; the
// message of a returned error names the object concerned.
var (
	// ErrNotFound is returned for a conversation that does not exist in the
	// workspace asked about.
	ErrNotFound error = coded.New("not_found", "conversation not found")
	// ErrMessageNotFound is returned for a message that does not exist in the
	// workspace asked about.
	ErrMessageNotFound error = coded.New("not_found", "message not found")
	// ErrAgentNotFound is returned for an agent who does not exist in the
	// workspace asked about.
	ErrAgentNotFound error = coded.New("not_found", "agent not found")
	// ErrRejectionNotFound is returned for a rejected message (a
	// RejectedMessage) that was not recorded in the workspace asked about.
	ErrRejectionNotFound error = coded.New("not_found", "rejected message not found")
	// ErrTeamNotFound is returned for a team that does not exist in the
	// workspace asked about.
	ErrTeamNotFound error = coded.New("not_found", "team not found")
	// ErrClosed is returned when a change needs an open conversation and the
	// conversation is closed.
	ErrClosed error = coded.New("conflict", "conversation is closed")
	// ErrIdentityTaken is returned when an external id on a channel is
	// given to a contact and another contact already has it: the two are
	// perhaps one person, whom merging makes one contact.
	ErrIdentityTaken error = coded.New("conflict", "the external id belongs to another contact")
	// ErrOpenOnBoth is returned when two contacts to merge both have an
	// open conversation on one channel: a contact has one open
	// conversation per channel, so one of them must be closed first.
	ErrOpenOnBoth error = coded.New("conflict", "both contacts have an open conversation on one channel")
	// ErrForbidden is returned when the actor may not make the change: an
	// agent taking a conversation assigned to another agent, an agent of
	// another workspace.
	ErrForbidden error = coded.New("forbidden", "not allowed")
	// ErrInvalid is returned for input that breaks a rule of this package:
	// an empty message, an oversized text or attachment, a voice note longer
	// than MaxVoiceDuration (R13), an unknown kind.
	ErrInvalid error = coded.New("invalid", "invalid input")
)
