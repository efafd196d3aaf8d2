package conversation

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/ticket"
)

// Alteration records what was done to a contact's message so that it could
// be stored: what a contact sends is kept, repaired where a store could not
// hold it as it came, rather than refused or dropped (R18). It is a set of
// flags; the zero value means the message is stored as the channel
// delivered it.
type Alteration uint8

// Alterations of a contact's message, made by Clean.
const (
	// AlteredText: the text had NUL bytes or bytes that are not UTF-8,
	// which a store cannot hold (PostgreSQL text refuses both); each was
	// replaced with U+FFFD.
	AlteredText Alteration = 1 << iota
	// AlteredCut: the text was longer than MaxTextBytes and was cut there,
	// at a character boundary; the rest is not kept.
	AlteredCut
	// AlteredAttachment: an attachment's name, MIME type or reference had
	// NUL bytes or bytes that are not UTF-8, replaced with U+FFFD.
	AlteredAttachment
	// AlteredSender: the sender's name or language, as the channel gave it,
	// had NUL bytes or bytes that are not UTF-8; the contact is stored with
	// each replaced with U+FFFD.
	AlteredSender
	// AlteredOversize: an attachment is larger than MaxAttachmentSize. It
	// is kept, as metadata, with Attachment.Oversize set: the library never
	// downloads files, and it sends none that large (R13, R19).
	AlteredOversize
)

var alterationNames = [...]string{"text", "cut", "attachment", "sender", "oversize"}

// String returns the names of the flags set, joined by "|" ("text|cut"),
// or "none".
func (a Alteration) String() string {
	if a == 0 {
		return "none"
	}
	var b strings.Builder
	for i, name := range alterationNames {
		if a&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(name)
		}
	}
	if rest := a &^ (1<<len(alterationNames) - 1); rest != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		fmt.Fprintf(&b, "Alteration(%#x)", uint8(rest))
	}
	return b.String()
}

// Storable reports whether s can be stored as it is: valid UTF-8 without NUL
// bytes, which every store holds (PostgreSQL text refuses NUL and bytes
// that are not UTF-8).
func Storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// CleanString returns s with each NUL byte and each byte that is not part
// of valid UTF-8 replaced with U+FFFD, and whether anything was replaced.
func CleanString(s string) (string, bool) {
	if Storable(s) {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s { // an invalid byte comes as utf8.RuneError
		if r == 0 {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// cut returns s cut to at most n bytes at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Clean makes a contact's message storable, the same way whatever the
// store: NUL bytes and bytes that are not UTF-8 in the text and in the
// attachments' names, MIME types and references become U+FFFD; a text
// longer than MaxTextBytes is cut to it at a character boundary; an
// attachment larger than MaxAttachmentSize is marked Oversize. It adds what
// it did to m.Altered and returns m.Altered. A clean message is left as it
// is, so Clean may run more than once. Receive cleans the message it
// stores; the engine cleans a message before it reads a command in it.
//
// What Clean cannot repair (an unknown kind, an attachment without a
// reference) is left for Receive to refuse.
func Clean(m *Message) Alteration {
	if s, changed := CleanString(m.Text); changed {
		m.Text, m.Altered = s, m.Altered|AlteredText
	}
	if len(m.Text) > MaxTextBytes {
		m.Text, m.Altered = cut(m.Text, MaxTextBytes), m.Altered|AlteredCut
	}
	copied := false
	for i := range m.Attachments {
		a := m.Attachments[i]
		var n, t, r bool
		a.Name, n = CleanString(a.Name)
		a.MIME, t = CleanString(a.MIME)
		a.Ref, r = CleanString(a.Ref)
		if n || t || r {
			m.Altered |= AlteredAttachment
		}
		if a.Size > MaxAttachmentSize {
			a.Oversize = true
		}
		if a.Oversize {
			m.Altered |= AlteredOversize
		}
		if a != m.Attachments[i] {
			if !copied { // the caller's slice stays as it was
				m.Attachments, copied = append([]Attachment(nil), m.Attachments...), true
			}
			m.Attachments[i] = a
		}
	}
	return m.Altered
}

// MaxRejectionDetail is the longest reason of a RejectedMessage, and Detail
// of its message.rejected event, in bytes; a longer reason is cut.
const MaxRejectionDetail = 1024

// Rejection is a contact's message that was refused for good: the channel
// delivered it, and it cannot be stored as a message (a kind the center
// does not take, content no rule accepts). It is recorded, as a
// RejectedMessage with a message.rejected event, so that the host sees it,
// and so that it does not hold up the messages after it.
type Rejection struct {
	Workspace ticket.WorkspaceID
	Channel   channel.ID
	// ExternalID is the channel's id of the message, as it would have been
	// stored (R18). With Workspace and Channel it is the key of the
	// record: the same message refused again is the same rejection.
	ExternalID string
	// From is the contact's id on the channel (a Telegram chat id), if the
	// channel adapter knows it; "" otherwise.
	From string
	// Reason says why, for people.
	Reason string
}

// RejectedMessage is the stored record of a Rejection: a contact's message
// put aside, where a host finds it (R18). The message's content is not
// kept. One is stored per workspace, channel and ExternalID.
type RejectedMessage struct {
	Workspace  ticket.WorkspaceID
	Channel    channel.ID
	ExternalID string
	// From is the contact's id on the channel, "" if the channel adapter
	// did not know it.
	From string
	// Reason says why, for people; at most MaxRejectionDetail bytes.
	Reason string
	// At is when the message was put aside.
	At time.Time
}

// Reject returns the record of r at now and the message.rejected event
// that announces it. The channel's id, the contact's id and the reason are
// cleaned as CleanString does, and the reason is cut to
// MaxRejectionDetail, so that every store holds both.
func Reject(r Rejection, now time.Time) (RejectedMessage, Event, error) {
	switch {
	case r.Workspace == "" || r.Channel == "":
		return RejectedMessage{}, Event{}, fmt.Errorf("%w: rejection without workspace or channel", ErrInvalid)
	case r.ExternalID == "":
		return RejectedMessage{}, Event{}, fmt.Errorf("%w: rejection without the channel's message id", ErrInvalid)
	case !Storable(string(r.Workspace)) || !Storable(string(r.Channel)):
		return RejectedMessage{}, Event{}, fmt.Errorf("%w: rejection with a workspace or channel id that is not storable text", ErrInvalid)
	}
	ext, _ := CleanString(r.ExternalID)
	from, _ := CleanString(r.From)
	reason, _ := CleanString(r.Reason)
	m := RejectedMessage{Workspace: r.Workspace, Channel: r.Channel, ExternalID: ext, From: from,
		Reason: cut(reason, MaxRejectionDetail), At: now}
	return m, Event{Type: EventMessageRejected, Workspace: m.Workspace, At: now, Channel: m.Channel,
		ExternalID: m.ExternalID, Detail: m.Reason}, nil
}
