package chatbot

import (
	"fmt"

	"github.com/telenet/contactcenter/internal/coded"
)

// Errors of the chatbot contract. Test for them with errors.Is; the message
// of a returned error names what was refused.
var (
	// ErrInvalid is returned for a turn, a reply, an action or a failure
	// policy that breaks a rule of this package: an empty turn id, a text
	// that is not UTF-8, a tag that is too long, a timeout of zero.
	// Errors that come from the rules of package ticket or conversation
	// (a field key, a tag) wrap their sentinel as well.
	ErrInvalid error = coded.New("invalid", "invalid chatbot turn, reply or action")
	// ErrSuperseded is returned for an action that ends the bot's hold on
	// the conversation (HandOff, AssignTeam, AssignAgent, Close, TurnOff)
	// when an earlier action of the same reply already ended it: only the
	// first of them applies.
	ErrSuperseded error = coded.New("conflict", "the bot no longer holds the conversation")
)

// ActionError is the error of one refused action or message of a reply:
// its place in the reply and why. Err wraps ErrInvalid or ErrSuperseded
// (errors.Is sees through an ActionError).
type ActionError struct {
	// Kind is the refused action's kind; zero for a message.
	Kind ActionKind
	// Index is the action's position in Reply.Actions, or the message's in
	// Reply.Messages when Kind is zero.
	Index int
	Err   error
}

func (e *ActionError) Error() string {
	if e.Kind == 0 {
		return fmt.Sprintf("chatbot: message %d: %v", e.Index, e.Err)
	}
	return fmt.Sprintf("chatbot: action %d (%s): %v", e.Index, e.Kind, e.Err)
}

// Unwrap returns the reason.
func (e *ActionError) Unwrap() error { return e.Err }

// invalid returns an error wrapping ErrInvalid and, when given, the error
// of another package's rule.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// invalidBy returns an error wrapping ErrInvalid and err.
func invalidBy(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrInvalid, what, err)
}
