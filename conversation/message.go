package conversation

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/ticket"
)

// MessageID identifies a message within its workspace.
type MessageID string

// Direction says whether a message came from the contact or goes to them.
type Direction uint8

// Message directions.
const (
	// FromContact: an inbound message, written by the contact.
	FromContact Direction = iota + 1
	// ToContact: an outbound message, written by an agent, the chatbot or
	// the system.
	ToContact
)

// String returns "inbound" or "outbound".
func (d Direction) String() string {
	switch d {
	case FromContact:
		return "inbound"
	case ToContact:
		return "outbound"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// AuthorKind says who wrote a message.
type AuthorKind uint8

// Authors of messages.
const (
	AuthorContact AuthorKind = iota + 1
	AuthorAgent
	AuthorBot
	AuthorSystem
)

// String returns "contact", "agent", "bot" or "system".
func (k AuthorKind) String() string {
	switch k {
	case AuthorContact:
		return "contact"
	case AuthorAgent:
		return "agent"
	case AuthorBot:
		return "bot"
	case AuthorSystem:
		return "system"
	}
	return fmt.Sprintf("AuthorKind(%d)", uint8(k))
}

// Author is who wrote a message: the contact, an agent (Agent names them),
// the chatbot or the system (templates, workflows).
type Author struct {
	Kind  AuthorKind
	Agent AgentID
}

// Kind is the kind of content of a message.
type Kind uint8

// Message kinds.
const (
	KindText Kind = iota + 1
	KindVoice
	KindAudio
	KindFile
	KindImage
	// KindCommand is a contact's command to the center (/tickets), kept in the
	// history so agents see what happened.
	KindCommand
)

var kindNames = [...]string{KindText: "text", KindVoice: "voice", KindAudio: "audio", KindFile: "file", KindImage: "image", KindCommand: "command"}

// String returns the kind's name: "text", "voice", "audio", "file", "image"
// or "command".
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Valid reports whether k is a defined kind.
func (k Kind) Valid() bool { return k > 0 && int(k) < len(kindNames) }

// Attachment is a file carried by a message.
type Attachment struct {
	Name string
	MIME string
	Size int64
	// Ref locates the content: a channel file id for inbound files, a host
	// URL or storage key for outbound ones.
	Ref string
	// Duration is the length of voice and audio content.
	Duration time.Duration
	// Oversize marks a contact's file larger than MaxAttachmentSize. It is
	// kept as metadata (Ref still locates it on the channel), but the
	// library sends no attachment that large (R13, R19), so an agent cannot
	// send it on as an attachment; a host that downloads it meets the
	// channel's own limits too (Telegram's Bot API serves files of up to
	// 20 MB). Clean sets it; outbound attachments never have it.
	Oversize bool
}

// Delivery is the delivery state of an outbound message (R18).
type Delivery uint8

// Delivery states. Inbound messages have DeliveryNone.
const (
	DeliveryNone Delivery = iota
	// DeliveryPending: stored, not yet accepted by the channel.
	DeliveryPending
	// DeliverySent: accepted by the channel; ExternalID holds its reference.
	DeliverySent
	// DeliveryFailed: definitely refused by the channel.
	DeliveryFailed
)

// String returns "none", "pending", "sent" or "failed".
func (d Delivery) String() string {
	switch d {
	case DeliveryNone:
		return "none"
	case DeliveryPending:
		return "pending"
	case DeliverySent:
		return "sent"
	case DeliveryFailed:
		return "failed"
	}
	return fmt.Sprintf("Delivery(%d)", uint8(d))
}

// Revision is an earlier text of an edited message.
type Revision struct {
	Text string
	At   time.Time
}

// Message is one message of a conversation.
type Message struct {
	ID           MessageID
	Workspace    ticket.WorkspaceID
	Conversation ID
	Ticket       ticket.ID
	Channel      channel.ID
	Direction    Direction
	Author       Author
	Kind         Kind
	// Text is the text, or the caption of the attachments.
	Text        string
	Attachments []Attachment
	// ExternalID is the channel's own reference: for inbound messages the
	// id that makes delivery idempotent (R18); for outbound ones the
	// reference the channel returned, used to edit the message (R8).
	ExternalID string
	CreatedAt  time.Time
	// Delivery, Attempts, NextAttempt and Failure track an outbound message
	// until the channel accepts or refuses it (R18).
	Delivery    Delivery
	Attempts    int
	NextAttempt time.Time
	Failure     string
	// Revisions holds the earlier texts of an edited message, oldest first.
	Revisions []Revision
	// Altered records what was done to a contact's message so that it
	// could be stored (Clean); zero for a message stored as it came.
	Altered Alteration
	// Version counts stored changes, as Conversation.Version does.
	Version int64
}

// Editing reports whether m is an outbound message whose edit waits for the
// channel (R8): it is pending and the channel already has it.
func (m *Message) Editing() bool {
	return m.Direction == ToContact && m.Delivery == DeliveryPending && m.ExternalID != ""
}

// Limits on message content (R13, R19).
const (
	// MaxTextBytes is the largest text of one message. A contact's longer
	// text is cut to it and flagged (AlteredCut); an agent's is refused.
	MaxTextBytes = 64 << 10
	// MaxAttachments is the largest number of attachments on one message.
	MaxAttachments = 10
	// MaxAttachmentSize is the largest attachment an agent may send, in
	// bytes (R13, R19). A contact's larger file is kept, marked Oversize.
	MaxAttachmentSize = 50 << 20
	// MaxVoiceDuration is the longest voice note an agent may send (R13).
	MaxVoiceDuration = 5 * time.Minute
)

// validateContent checks the content of m against the library's limits,
// those of contacts' messages and agents' alike: a contact's message is
// cleaned (Clean) before, so that what can be repaired is. Every text must
// be storable (Storable), so that every store holds what another does.
func validateContent(m *Message) error {
	if !m.Kind.Valid() {
		return fmt.Errorf("%w: unknown message kind %d", ErrInvalid, m.Kind)
	}
	if len(m.Text) > MaxTextBytes {
		return fmt.Errorf("%w: text of %d bytes exceeds %d", ErrInvalid, len(m.Text), MaxTextBytes)
	}
	if !utf8.ValidString(m.Text) {
		return fmt.Errorf("%w: text is not valid UTF-8", ErrInvalid)
	}
	if strings.IndexByte(m.Text, 0) >= 0 {
		return fmt.Errorf("%w: text contains a NUL byte", ErrInvalid)
	}
	if len(m.Attachments) > MaxAttachments {
		return fmt.Errorf("%w: %d attachments exceed %d", ErrInvalid, len(m.Attachments), MaxAttachments)
	}
	switch m.Kind {
	case KindText, KindCommand:
		if m.Text == "" {
			return fmt.Errorf("%w: empty %s message", ErrInvalid, m.Kind)
		}
		if len(m.Attachments) > 0 {
			return fmt.Errorf("%w: %s message with attachments", ErrInvalid, m.Kind)
		}
	default:
		if len(m.Attachments) == 0 {
			return fmt.Errorf("%w: %s message without attachment", ErrInvalid, m.Kind)
		}
	}
	for i, a := range m.Attachments {
		switch {
		case a.Size < 0:
			return fmt.Errorf("%w: attachment %d: negative size %d", ErrInvalid, i+1, a.Size)
		case a.Ref == "":
			return fmt.Errorf("%w: attachment %d: empty reference", ErrInvalid, i+1)
		case a.Duration < 0:
			return fmt.Errorf("%w: attachment %d: negative duration", ErrInvalid, i+1)
		case !Storable(a.Name) || !Storable(a.MIME) || !Storable(a.Ref):
			return fmt.Errorf("%w: attachment %d: name, MIME type or reference is not valid UTF-8 without NUL", ErrInvalid, i+1)
		}
	}
	return nil
}

// place sets the fields that put m, a new message, in conversation c,
// written by author at now. A message to the contact is pending for the
// channel from now.
func (m *Message) place(c *Conversation, dir Direction, author Author, now time.Time) {
	m.Workspace, m.Conversation, m.Ticket, m.Channel = c.Workspace, c.ID, c.Ticket, c.Channel
	m.Direction, m.Author, m.CreatedAt, m.Version = dir, author, now, 1
	m.Delivery = DeliveryNone
	if dir == ToContact {
		m.Delivery, m.Attempts, m.NextAttempt = DeliveryPending, 0, now
	}
}
