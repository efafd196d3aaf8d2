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

// Part says which part of a reply a Refusal is about.
type Part uint8

// Parts of a reply.
const (
	// PartMessage: one of Reply.Messages.
	PartMessage Part = iota + 1
	// PartAction: one of Reply.Actions.
	PartAction
)

// String returns "message" or "action".
func (p Part) String() string {
	switch p {
	case PartMessage:
		return "message"
	case PartAction:
		return "action"
	}
	return fmt.Sprintf("Part(%d)", uint8(p))
}

// Refusal is the error of one refused message or action of a reply: where
// it is in the reply and why. Err wraps ErrInvalid or ErrSuperseded
// (errors.Is sees through a Refusal).
type Refusal struct {
	Part Part
	// Index is the position in Reply.Messages or Reply.Actions.
	Index int
	// Kind is the refused action's kind; zero for a message and for a nil
	// action.
	Kind ActionKind
	Err  error
}

func (e *Refusal) Error() string {
	if e.Kind == 0 {
		return fmt.Sprintf("chatbot: %s %d: %v", e.Part, e.Index, e.Err)
	}
	return fmt.Sprintf("chatbot: %s %d (%s): %v", e.Part, e.Index, e.Kind, e.Err)
}

// Unwrap returns the reason.
func (e *Refusal) Unwrap() error { return e.Err }

// invalid returns an error wrapping ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// invalidBy returns an error wrapping ErrInvalid and err, the error of
// another package's rule.
func invalidBy(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrInvalid, what, err)
}
