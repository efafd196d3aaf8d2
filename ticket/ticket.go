package ticket

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// WorkspaceID identifies a workspace: one tenant of the contact center.
// Every object belongs to exactly one workspace and nothing crosses them.
type WorkspaceID string

// ID identifies a ticket. It is chosen by the host or the engine and is
// opaque; people use the ticket's Number instead.
type ID string

// Number is the human-friendly number of a ticket (1432), unique and
// sequential within its workspace.
type Number int64

// String returns the number in decimal.
func (n Number) String() string { return fmt.Sprint(int64(n)) }

// Status is the status of a ticket.
type Status uint8

// Ticket statuses.
const (
	// Open tickets can receive new conversations (R9). The zero Status is
	// neither open nor closed, so a ticket that was never set up is not
	// taken for an open one.
	Open Status = iota + 1
	// Closed tickets stay in the history; a contact who writes again gets a
	// new ticket (R9).
	Closed
)

// String returns "open" or "closed".
func (s Status) String() string {
	switch s {
	case Open:
		return "open"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// Priority orders tickets in the queue: a higher priority is served first
// (R11). The zero value is PriorityNormal.
type Priority int8

// Ticket priorities, from lowest to highest.
const (
	PriorityLow    Priority = -1
	PriorityNormal Priority = 0
	PriorityHigh   Priority = 1
	PriorityUrgent Priority = 2
)

// Valid reports whether p is one of the defined priorities.
func (p Priority) Valid() bool { return p >= PriorityLow && p <= PriorityUrgent }

// String returns "low", "normal", "high" or "urgent".
func (p Priority) String() string {
	switch p {
	case PriorityLow:
		return "low"
	case PriorityNormal:
		return "normal"
	case PriorityHigh:
		return "high"
	case PriorityUrgent:
		return "urgent"
	}
	return fmt.Sprintf("Priority(%d)", int8(p))
}

// Limits on ticket fields.
const (
	// MaxSubjectLen is the longest subject, in characters.
	MaxSubjectLen = 200
	// MaxTags is the largest number of tags on one ticket.
	MaxTags = 32
	// MaxTagLen is the longest tag, in characters.
	MaxTagLen = 64
)

// Ticket is a customer's case. It outlives its conversations: a contact may
// hold several conversations on one ticket, one after the other, and the
// ticket stays open until an agent (or the host) closes it.
type Ticket struct {
	ID        ID
	Workspace WorkspaceID
	Number    Number
	// Contact is the customer whose case this is. Only this contact's
	// conversations attach to the ticket.
	Contact  ContactID
	Subject  string
	Status   Status
	Priority Priority
	// Tags are kept sorted and free of duplicates.
	Tags     []string
	OpenedAt time.Time
	// ClosedAt is zero while the ticket is open.
	ClosedAt time.Time
	// Version counts the stored changes of the ticket. A store accepts an
	// update only if it holds Version-1, so two concurrent changes cannot
	// both win.
	Version int64
}

// New returns a new open ticket with version 1. The number comes from the
// store (per-workspace sequence); the subject is trimmed and shortened to
// MaxSubjectLen characters.
func New(id ID, ws WorkspaceID, n Number, contact ContactID, subject string, now time.Time) (Ticket, error) {
	switch {
	case id == "":
		return Ticket{}, fmt.Errorf("%w: empty ticket id", ErrInvalid)
	case ws == "":
		return Ticket{}, fmt.Errorf("%w: empty workspace", ErrInvalid)
	case n <= 0:
		return Ticket{}, fmt.Errorf("%w: number %d is not positive", ErrInvalid, n)
	case contact == "":
		return Ticket{}, fmt.Errorf("%w: empty contact", ErrInvalid)
	}
	return Ticket{
		ID:        id,
		Workspace: ws,
		Number:    n,
		Contact:   contact,
		Subject:   Subject(subject),
		Status:    Open,
		OpenedAt:  now,
		Version:   1,
	}, nil
}

// Subject turns free text into a ticket subject: the first line that is not
// blank, trimmed, its runs of spaces made one, at most MaxSubjectLen
// characters.
func Subject(text string) string {
	text = strings.TrimLeftFunc(text, unicode.IsSpace)
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		text = text[:i]
	}
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= MaxSubjectLen {
		return text
	}
	n := 0
	for i := range text {
		if n == MaxSubjectLen {
			return strings.TrimSpace(text[:i])
		}
		n++
	}
	return text
}

// Close returns the ticket closed at now. Closing a closed ticket is an
// error (ErrClosed) so that a host notices a double close. Version is left
// as it is, as by every method that changes a ticket: the decision that
// writes the ticket sets the version it is stored with.
func (t Ticket) Close(now time.Time) (Ticket, error) {
	if t.Status == Closed {
		return t, fmt.Errorf("ticket #%d: %w", t.Number, ErrClosed)
	}
	t.Status = Closed
	t.ClosedAt = now
	return t, nil
}

// WithPriority returns the ticket with priority p. Version is left as it
// is.
func (t Ticket) WithPriority(p Priority) (Ticket, error) {
	if !p.Valid() {
		return t, fmt.Errorf("%w: unknown priority %d", ErrInvalid, p)
	}
	t.Priority = p
	return t, nil
}

// Tag turns a tag as given into the tag stored: trimmed of white space. It
// fails with ErrInvalid for a tag that is empty, longer than MaxTagLen
// characters, not valid UTF-8 or holding control characters. Tags are
// compared case-sensitively.
func Tag(tag string) (string, error) {
	if !utf8.ValidString(tag) {
		return "", fmt.Errorf("%w: tag is not valid UTF-8", ErrInvalid)
	}
	tag = strings.TrimSpace(tag)
	switch {
	case tag == "":
		return "", fmt.Errorf("%w: empty tag", ErrInvalid)
	case utf8.RuneCountInString(tag) > MaxTagLen:
		return "", fmt.Errorf("%w: tag longer than %d characters", ErrInvalid, MaxTagLen)
	case strings.IndexFunc(tag, unicode.IsControl) >= 0:
		return "", fmt.Errorf("%w: tag %q holds a control character", ErrInvalid, tag)
	}
	return tag, nil
}

// HasTag reports whether the ticket carries tag, trimmed.
func (t Ticket) HasTag(tag string) bool {
	_, found := slices.BinarySearch(t.Tags, strings.TrimSpace(tag))
	return found
}

// WithTag returns the ticket with tag added, as Tag makes it; adding a
// present tag changes nothing, and a ticket carries at most MaxTags tags.
// Version is left as it is.
func (t Ticket) WithTag(tag string) (Ticket, error) {
	tag, err := Tag(tag)
	if err != nil {
		return t, err
	}
	i, found := slices.BinarySearch(t.Tags, tag)
	if found {
		return t, nil
	}
	if len(t.Tags) >= MaxTags {
		return t, fmt.Errorf("%w: more than %d tags", ErrInvalid, MaxTags)
	}
	t.Tags = slices.Insert(slices.Clone(t.Tags), i, tag)
	return t, nil
}

// WithoutTag returns the ticket without tag, trimmed. Removing an absent
// tag changes nothing. Version is left as it is.
func (t Ticket) WithoutTag(tag string) Ticket {
	i, found := slices.BinarySearch(t.Tags, strings.TrimSpace(tag))
	if !found {
		return t
	}
	t.Tags = slices.Delete(slices.Clone(t.Tags), i, i+1)
	return t
}
