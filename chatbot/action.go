package chatbot

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

// ActionKind names a kind of action. The values are stable and meant to be
// stored; the zero ActionKind is no kind.
type ActionKind uint8

// Action kinds, one for each Action type.
const (
	KindHandOff ActionKind = iota + 1
	KindClose
	KindAssignTeam
	KindAssignAgent
	KindTag
	KindUntag
	KindSetField
	KindUnsetField
	KindSetPriority
	KindSendSnippet
	KindSendTemplate
	KindSendFile
	KindNotify
	KindTurnOff
)

var actionKindNames = [...]string{
	KindHandOff: "hand_off", KindClose: "close", KindAssignTeam: "assign_team", KindAssignAgent: "assign_agent",
	KindTag: "tag", KindUntag: "untag", KindSetField: "set_field", KindUnsetField: "unset_field",
	KindSetPriority: "set_priority", KindSendSnippet: "send_snippet", KindSendTemplate: "send_template",
	KindSendFile: "send_file", KindNotify: "notify", KindTurnOff: "turn_off",
}

// String returns the stable name of k ("hand_off", "close", "assign_team",
// "assign_agent", "tag", "untag", "set_field", "unset_field",
// "set_priority", "send_snippet", "send_template", "send_file", "notify",
// "turn_off").
func (k ActionKind) String() string {
	if int(k) < len(actionKindNames) && actionKindNames[k] != "" {
		return actionKindNames[k]
	}
	return fmt.Sprintf("ActionKind(%d)", uint8(k))
}

// ParseActionKind returns the kind named s (ActionKind.String).
func ParseActionKind(s string) (ActionKind, error) {
	for k, name := range actionKindNames {
		if name != "" && name == s {
			return ActionKind(k), nil
		}
	}
	return 0, invalid("unknown action kind %q", s)
}

// EndsHold reports whether an action of kind k ends the bot's hold on the
// conversation: HandOff, AssignTeam, AssignAgent, Close and TurnOff. After
// one of them the bot takes no more turns in the conversation, until a
// human hands it back (TurnResumed) or, for a HandOff, the failure policy
// gives it back (TurnTimedOut).
func (k ActionKind) EndsHold() bool {
	switch k {
	case KindHandOff, KindAssignTeam, KindAssignAgent, KindClose, KindTurnOff:
		return true
	}
	return false
}

// Action is one thing the bot asks the library to do to the conversation,
// its ticket or its contact. The engine applies the actions of a reply in
// order, with actor conversation.AsBot(Turn.Bot), through the rules of
// package conversation (TransferToTeam, Close, TagTicket, SetContactField…),
// so that a bot is held to what those rules allow anyone.
//
// The set of actions is closed: the types of this package are all the
// actions there are, and an engine switches on them.
type Action interface {
	// Kind returns the action's kind.
	Kind() ActionKind
	// Validate checks the action on its own, without the conversation:
	// an error wraps ErrInvalid (and the sentinel of the package whose
	// rule it breaks).
	Validate() error
	action()
}

// HandOff ends the bot's hold: the conversation joins the agents' queue,
// or the queue of Team, and waits for a human (R2, R11). Note is shown to
// the agent who takes it ("asks about a refund of order 123").
type HandOff struct {
	// Team is the team whose queue the conversation joins; "" for the
	// workspace's queue.
	Team conversation.TeamID
	Note string
}

// Close closes the conversation with a closing note (R12); the ticket stays
// open.
type Close struct {
	Note conversation.ClosingNote
}

// AssignTeam ends the bot's hold and transfers the conversation to a team
// (conversation.TransferToTeam), with a note for its agents.
type AssignTeam struct {
	Team conversation.TeamID
	Note string
}

// AssignAgent ends the bot's hold and assigns the conversation to an agent
// (conversation.Assign), with a note for them.
type AssignAgent struct {
	Agent conversation.AgentID
	Note  string
}

// Tag adds a tag to the ticket (conversation.TagTicket).
type Tag struct{ Tag string }

// Untag removes a tag from the ticket (conversation.UntagTicket).
type Untag struct{ Tag string }

// SetField sets a custom field of the contact
// (conversation.SetContactField), with the rules of ticket.Contact.WithField:
// the key passes ticket.ValidateFieldKey and the value
// ticket.ValidateFieldValue. An empty value is refused: UnsetField removes
// a field.
type SetField struct{ Key, Value string }

// UnsetField removes a custom field of the contact
// (conversation.UnsetContactField).
type UnsetField struct{ Key string }

// SetPriority sets the ticket's priority (conversation.SetPriority).
type SetPriority struct{ Priority ticket.Priority }

// SendSnippet sends the snippet with this shortcut (template.Snippets),
// rendered for the contact, as a bot message.
type SendSnippet struct{ Shortcut string }

// SendTemplate sends the channel's template of this name, rendered in the
// contact's language, as a bot message.
type SendTemplate struct{ Name string }

// SendFile sends a file, with an optional caption, as a bot message. It is
// the action form of a Message with files, for bots (Dialogflow parameters)
// that name files as actions.
type SendFile struct {
	File    File
	Caption string
}

// Notify publishes an event for the host, named Name, with Data: what the
// host's own automation listens to ("lead.qualified", {"plan": "pro"}).
// The library does nothing else with it.
type Notify struct {
	Name string
	Data map[string]string
}

// TurnOff turns the bot off for this conversation: it ends the bot's hold
// like a HandOff to the workspace's queue, and the conversation is never
// given back to the bot (no TurnTimedOut, and TurnResumed only when a human
// hands it back explicitly).
type TurnOff struct{}

// Kind returns KindHandOff.
func (HandOff) Kind() ActionKind { return KindHandOff }

// Kind returns KindClose.
func (Close) Kind() ActionKind { return KindClose }

// Kind returns KindAssignTeam.
func (AssignTeam) Kind() ActionKind { return KindAssignTeam }

// Kind returns KindAssignAgent.
func (AssignAgent) Kind() ActionKind { return KindAssignAgent }

// Kind returns KindTag.
func (Tag) Kind() ActionKind { return KindTag }

// Kind returns KindUntag.
func (Untag) Kind() ActionKind { return KindUntag }

// Kind returns KindSetField.
func (SetField) Kind() ActionKind { return KindSetField }

// Kind returns KindUnsetField.
func (UnsetField) Kind() ActionKind { return KindUnsetField }

// Kind returns KindSetPriority.
func (SetPriority) Kind() ActionKind { return KindSetPriority }

// Kind returns KindSendSnippet.
func (SendSnippet) Kind() ActionKind { return KindSendSnippet }

// Kind returns KindSendTemplate.
func (SendTemplate) Kind() ActionKind { return KindSendTemplate }

// Kind returns KindSendFile.
func (SendFile) Kind() ActionKind { return KindSendFile }

// Kind returns KindNotify.
func (Notify) Kind() ActionKind { return KindNotify }

// Kind returns KindTurnOff.
func (TurnOff) Kind() ActionKind { return KindTurnOff }

func (HandOff) action()      {}
func (Close) action()        {}
func (AssignTeam) action()   {}
func (AssignAgent) action()  {}
func (Tag) action()          {}
func (Untag) action()        {}
func (SetField) action()     {}
func (UnsetField) action()   {}
func (SetPriority) action()  {}
func (SendSnippet) action()  {}
func (SendTemplate) action() {}
func (SendFile) action()     {}
func (Notify) action()       {}
func (TurnOff) action()      {}

func validateNote(note string) error {
	switch {
	case !utf8.ValidString(note) || !conversation.Storable(note):
		return invalid("note is not valid UTF-8 or holds a NUL byte")
	case utf8.RuneCountInString(note) > MaxNoteLen:
		return invalid("note of %d characters, longer than %d", utf8.RuneCountInString(note), MaxNoteLen)
	}
	return nil
}

func validateID(what, id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return invalid("empty %s", what)
	case len(id) > MaxIDLen:
		return invalid("%s of %d bytes, longer than %d", what, len(id), MaxIDLen)
	case !conversation.Storable(id):
		return invalid("%s is not valid UTF-8 or holds a NUL byte", what)
	}
	return nil
}

func validateName(what, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return invalid("empty %s", what)
	case len(name) > MaxNameLen:
		return invalid("%s of %d bytes, longer than %d", what, len(name), MaxNameLen)
	case !conversation.Storable(name):
		return invalid("%s is not valid UTF-8 or holds a NUL byte", what)
	}
	return nil
}

// Validate checks the team id, if any, and the note (at most MaxNoteLen
// characters).
func (a HandOff) Validate() error {
	if a.Team != "" {
		if err := validateID("team id", string(a.Team)); err != nil {
			return err
		}
	}
	return validateNote(a.Note)
}

// Validate checks the closing note against conversation.MaxCategoryLen and
// conversation.MaxSummaryLen.
func (a Close) Validate() error {
	n := a.Note
	switch {
	case !utf8.ValidString(n.Category) || !utf8.ValidString(n.Summary) || !conversation.Storable(n.Category) || !conversation.Storable(n.Summary):
		return invalid("closing note is not valid UTF-8 or holds a NUL byte")
	case utf8.RuneCountInString(strings.TrimSpace(n.Category)) > conversation.MaxCategoryLen:
		return invalid("closing note category longer than %d characters", conversation.MaxCategoryLen)
	case utf8.RuneCountInString(strings.TrimSpace(n.Summary)) > conversation.MaxSummaryLen:
		return invalid("closing note summary longer than %d characters", conversation.MaxSummaryLen)
	}
	return nil
}

// Validate checks the team id and the note.
func (a AssignTeam) Validate() error {
	if err := validateID("team id", string(a.Team)); err != nil {
		return err
	}
	return validateNote(a.Note)
}

// Validate checks the agent id and the note.
func (a AssignAgent) Validate() error {
	if err := validateID("agent id", string(a.Agent)); err != nil {
		return err
	}
	return validateNote(a.Note)
}

// Validate checks the tag with ticket.Tag.
func (a Tag) Validate() error {
	if _, err := ticket.Tag(a.Tag); err != nil {
		return invalidBy("tag", err)
	}
	return nil
}

// Validate checks the tag with ticket.Tag.
func (a Untag) Validate() error {
	if _, err := ticket.Tag(a.Tag); err != nil {
		return invalidBy("untag", err)
	}
	return nil
}

// Validate checks the key with ticket.ValidateFieldKey and the value with
// ticket.ValidateFieldValue (which refuses an empty value).
func (a SetField) Validate() error {
	if err := ticket.ValidateFieldKey(a.Key); err != nil {
		return invalidBy("set field", err)
	}
	if err := ticket.ValidateFieldValue(a.Value); err != nil {
		return invalidBy(fmt.Sprintf("set field %q", a.Key), err)
	}
	return nil
}

// Validate checks the key with ticket.ValidateFieldKey.
func (a UnsetField) Validate() error {
	if err := ticket.ValidateFieldKey(a.Key); err != nil {
		return invalidBy("unset field", err)
	}
	return nil
}

// Validate checks that the priority is one of ticket's priorities.
func (a SetPriority) Validate() error {
	if !a.Priority.Valid() {
		return fmt.Errorf("%w: %w: unknown priority %d", ErrInvalid, ticket.ErrInvalid, a.Priority)
	}
	return nil
}

// Validate checks the shortcut with template.ValidShortcut.
func (a SendSnippet) Validate() error {
	if err := template.ValidShortcut(a.Shortcut); err != nil {
		return invalidBy("snippet", err)
	}
	return nil
}

// Validate checks the template name (not blank, at most MaxNameLen bytes).
func (a SendTemplate) Validate() error { return validateName("template name", a.Name) }

// Validate checks the file and the caption, as a Message.
func (a SendFile) Validate() error {
	return Message{Text: a.Caption, Files: []File{a.File}}.Validate()
}

// Validate checks the name (not blank, at most MaxNameLen bytes) and the
// data (at most MaxNotifyData keys, each a field key as
// ticket.ValidateFieldKey has them, values storable and at most
// MaxNotifyValueBytes bytes).
func (a Notify) Validate() error {
	if err := validateName("notification name", a.Name); err != nil {
		return err
	}
	if len(a.Data) > MaxNotifyData {
		return invalid("notification %q: %d data keys, more than %d", a.Name, len(a.Data), MaxNotifyData)
	}
	for k, v := range a.Data {
		if err := ticket.ValidateFieldKey(k); err != nil {
			return invalidBy(fmt.Sprintf("notification %q", a.Name), err)
		}
		if len(v) > MaxNotifyValueBytes || !conversation.Storable(v) {
			return invalid("notification %q: value of %q is longer than %d bytes, not UTF-8 or holds a NUL byte", a.Name, k, MaxNotifyValueBytes)
		}
	}
	return nil
}

// Validate accepts every TurnOff.
func (TurnOff) Validate() error { return nil }
