package chatbot

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// Bot is a chatbot: what a host or an adapter (a webhook, Dialogflow, the
// FAQ bot of package faq) implements. The engine calls Turn outside any
// store transaction, one turn at a time per conversation, in order.
//
// Turn must be idempotent in effect: the engine may call it again with the
// same Turn (same ID, same State) after a timeout, an error or a restart,
// and applies the reply of only one call. A bot that keeps its own records
// keys them by Turn.ID; a bot that keeps none needs only to answer from the
// turn it is given. An error, like a reply that does not arrive within the
// channel's turn timeout (channel.Bot; ctx carries it), counts as a failed
// turn.
type Bot interface {
	Turn(ctx context.Context, t Turn) (Reply, error)
}

// Func is a function that is a Bot.
type Func func(ctx context.Context, t Turn) (Reply, error)

// Turn calls f.
func (f Func) Turn(ctx context.Context, t Turn) (Reply, error) { return f(ctx, t) }

// TurnID identifies a turn within its workspace. The engine makes it once,
// when it stores the turn as work to do, and gives the same id to every
// attempt, so that a retried turn is recognised.
type TurnID string

// TurnKind says why the bot is asked to take a turn. The values are stable
// and meant to be stored; the zero TurnKind is no kind, which Validate
// refuses.
type TurnKind uint8

// Turn kinds.
const (
	// TurnOpened: a new conversation on the bot's channel (R2, R9). The
	// message that opened it is in Turn.Messages.
	TurnOpened TurnKind = iota + 1
	// TurnMessage: the contact wrote in a conversation the bot holds.
	TurnMessage
	// TurnResumed: a human handed the conversation back to the bot. The
	// contact's messages since the bot last took a turn, if any, are in
	// Turn.Messages.
	TurnResumed
	// TurnTimedOut: no human took a conversation the bot handed off within
	// the channel's channel.Bot.NoHuman.After, and the policy gives it
	// back to the bot.
	TurnTimedOut
)

var turnKindNames = [...]string{TurnOpened: "opened", TurnMessage: "message", TurnResumed: "resumed", TurnTimedOut: "timed_out"}

// String returns the stable name of k: "opened", "message", "resumed" or
// "timed_out".
func (k TurnKind) String() string {
	if int(k) < len(turnKindNames) && turnKindNames[k] != "" {
		return turnKindNames[k]
	}
	return fmt.Sprintf("TurnKind(%d)", uint8(k))
}

// Valid reports whether k is one of the turn kinds.
func (k TurnKind) Valid() bool { return k >= TurnOpened && k <= TurnTimedOut }

// ParseTurnKind returns the kind named s (TurnKind.String).
func ParseTurnKind(s string) (TurnKind, error) {
	for k, name := range turnKindNames {
		if name != "" && name == s {
			return TurnKind(k), nil
		}
	}
	return 0, invalid("unknown turn kind %q", s)
}

// State is the bot's own state for one conversation, opaque to the
// library: the bot returns it in Reply.State and gets it back, unchanged,
// in the next Turn.State. The engine stores it with the outcome of the
// turn, so a retried turn sees the state the first attempt saw. Nil and
// empty are the same: no state.
type State []byte

// Limits on turns and replies.
const (
	// MaxIDLen bounds a turn id and the ids a turn or an action names, in
	// bytes.
	MaxIDLen = 256
	// MaxStateBytes bounds State: the engine keeps it with the
	// conversation's bot session, in one record of at most
	// conversation.MaxTimerPayload bytes.
	MaxStateBytes = 32 << 10
	// MaxTurnMessages bounds the contact's messages one turn carries: the
	// newest, when more came while the bot did not answer.
	MaxTurnMessages = 50
	// MaxReplyMessages is the largest number of messages in one reply.
	MaxReplyMessages = 10
	// MaxActions is the largest number of actions in one reply.
	MaxActions = 32
	// MaxNoteLen bounds the note a HandOff, AssignTeam or AssignAgent leaves
	// for the agent, in characters.
	MaxNoteLen = 2000
	// MaxNameLen bounds the name of a template, a notification, a bot, in
	// bytes.
	MaxNameLen = 128
	// MaxNotifyData is the largest number of keys in Notify.Data; each
	// value is at most MaxNotifyValueBytes bytes.
	MaxNotifyData       = 32
	MaxNotifyValueBytes = 4096
)

// Contact is the contact of a turn's conversation, as the bot sees them.
type Contact struct {
	ID ticket.ContactID
	// Name is the contact's display name.
	Name string
	// Language is a BCP 47 tag ("es-MX"), or "" when the channel did not
	// say.
	Language string
	// Fields are the contact's custom fields (ticket.Contact.Fields). A
	// bot must not modify the map; it changes a field with SetField.
	Fields map[string]string
}

// File is a file by reference: the bytes stay where Ref points.
type File struct {
	Name string
	MIME string
	Size int64
	// Ref locates the content: a channel file id for a contact's file; a
	// host URL or storage key for a file the bot sends, as for an agent's
	// attachment (conversation.Attachment.Ref).
	Ref string
}

// Validate checks that f can be sent: a reference, a storable name and
// MIME type, a size within conversation.MaxAttachmentSize.
func (f File) Validate() error {
	switch {
	case f.Ref == "":
		return invalid("file without a reference")
	case len(f.Ref) > 4096:
		return invalid("file reference of %d bytes, longer than 4096", len(f.Ref))
	case !conversation.Storable(f.Ref) || !conversation.Storable(f.Name) || !conversation.Storable(f.MIME):
		return invalid("file name, MIME type or reference is not valid UTF-8 or holds a NUL byte")
	case f.Size < 0 || f.Size > conversation.MaxAttachmentSize:
		return invalid("file of %d bytes; at most %d", f.Size, conversation.MaxAttachmentSize)
	}
	return nil
}

// Inbound is a contact's message, as a turn carries it.
type Inbound struct {
	ID    conversation.MessageID
	Text  string
	Files []File
	At    time.Time
}

// Turn is what the bot is given: why it is asked, the conversation, the
// contact, the contact's messages and the state it returned last time.
type Turn struct {
	// ID is the same on every attempt of this turn (see Bot).
	ID   TurnID
	Kind TurnKind
	// Bot is the name the channel's settings give the bot; the engine
	// applies the reply with actor conversation.AsBot(Bot).
	Bot          string
	Workspace    ticket.WorkspaceID
	Conversation conversation.ID
	Ticket       ticket.ID
	Channel      channel.ID
	Contact      Contact
	// Messages are the contact's messages the bot has not seen, oldest
	// first: at least one for TurnOpened and TurnMessage.
	Messages []Inbound
	// State is Reply.State of the bot's previous turn in this
	// conversation; nil on the first.
	State State
	// At is when the engine made the turn; the same on every attempt.
	At time.Time
}

// Validate checks that t is a turn the engine may give a bot: an id, a
// known kind, the conversation's ids, a contact, the messages the kind
// needs, a state within MaxStateBytes.
func (t Turn) Validate() error {
	switch {
	case t.ID == "":
		return invalid("turn without an id")
	case len(t.ID) > MaxIDLen:
		return invalid("turn id of %d bytes, longer than %d", len(t.ID), MaxIDLen)
	case !t.Kind.Valid():
		return invalid("turn %q: unknown kind %d", t.ID, t.Kind)
	case t.Bot == "" || len(t.Bot) > MaxNameLen:
		return invalid("turn %q: bot name of %d bytes; 1 to %d", t.ID, len(t.Bot), MaxNameLen)
	case t.Workspace == "" || t.Conversation == "" || t.Channel == "":
		return invalid("turn %q: workspace, conversation and channel are required", t.ID)
	case t.Contact.ID == "":
		return invalid("turn %q: no contact", t.ID)
	case len(t.State) > MaxStateBytes:
		return invalid("turn %q: state of %d bytes, longer than %d", t.ID, len(t.State), MaxStateBytes)
	case (t.Kind == TurnOpened || t.Kind == TurnMessage) && len(t.Messages) == 0:
		return invalid("turn %q: a %s turn without a message", t.ID, t.Kind)
	}
	return nil
}

// Text returns the texts of t's messages, joined by new lines.
func (t Turn) Text() string {
	switch len(t.Messages) {
	case 0:
		return ""
	case 1:
		return t.Messages[0].Text
	}
	var b strings.Builder
	for i, m := range t.Messages {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(m.Text)
	}
	return b.String()
}

// Message is a message the bot sends to the contact: a text, files, or a
// text that captions the files. The engine stores it with author bot and
// sends it through the outbox.
type Message struct {
	Text  string
	Files []File
}

// Validate checks that m can be stored and sent: not empty, a storable
// text within conversation.MaxTextBytes, at most
// conversation.MaxAttachments valid files.
func (m Message) Validate() error {
	switch {
	case m.Text == "" && len(m.Files) == 0:
		return invalid("empty message")
	case len(m.Text) > conversation.MaxTextBytes:
		return invalid("text of %d bytes exceeds %d", len(m.Text), conversation.MaxTextBytes)
	case !utf8.ValidString(m.Text) || !conversation.Storable(m.Text):
		return invalid("text is not valid UTF-8 or holds a NUL byte")
	case len(m.Files) > conversation.MaxAttachments:
		return invalid("%d files exceed %d", len(m.Files), conversation.MaxAttachments)
	}
	for i, f := range m.Files {
		if err := f.Validate(); err != nil {
			return fmt.Errorf("file %d: %w", i, err)
		}
	}
	return nil
}
