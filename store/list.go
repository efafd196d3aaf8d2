package store

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// Page sizes of Tx.Conversations.
const (
	// DefaultConversationPage is the page size of a ConversationFilter
	// whose Limit is 0.
	DefaultConversationPage = 50
	// MaxConversationPage is the largest Limit a ConversationFilter may
	// ask for.
	MaxConversationPage = 200
)

// ConversationFilter selects a page of a workspace's conversations for
// Tx.Conversations. Zero fields do not filter; the fields set all apply.
type ConversationFilter struct {
	// State keeps conversations in this state; zero keeps both.
	State conversation.State
	// Assignee keeps the conversations this agent holds.
	Assignee conversation.AgentID
	// Team keeps the conversations of this team's queue.
	Team conversation.TeamID
	// Channel keeps the conversations on this channel.
	Channel channel.ID
	// Tag keeps the conversations whose ticket carries this tag, as
	// ticket.Tag makes it (trimmed, compared case-sensitively).
	Tag string
	// WaitingBefore keeps the conversations waiting in the queue since
	// before this instant (WaitingSince set and earlier): those that have
	// waited longer than now minus WaitingBefore.
	WaitingBefore time.Time
	// WaitingAfter keeps the conversations waiting in the queue since this
	// instant or later.
	WaitingAfter time.Time
	// Limit is the page size: 0 means DefaultConversationPage; at most
	// MaxConversationPage.
	Limit int
	// After starts the page after this position: the next cursor of the
	// previous page. The empty cursor starts at the beginning.
	After ConversationCursor
}

// ConversationCursor is an opaque position in the order of
// Tx.Conversations: by OpenedAt, then ID. A cursor stays valid while
// conversations are added or changed: the next page starts after the
// conversation it was taken from, wherever the others moved.
type ConversationCursor string

// ConversationPosition returns the cursor just after c in the order of
// Tx.Conversations.
func ConversationPosition(c conversation.Conversation) ConversationCursor {
	s := strconv.FormatInt(c.OpenedAt.Unix(), 10) + "." + strconv.Itoa(c.OpenedAt.Nanosecond()) + "." + string(c.ID)
	return ConversationCursor(base64.RawURLEncoding.EncodeToString([]byte(s)))
}

// Position decodes the cursor: the opening time and id of the conversation
// it follows. The empty cursor has ok false. A cursor that no
// ConversationPosition made fails with conversation.ErrInvalid.
func (c ConversationCursor) Position() (openedAt time.Time, id conversation.ID, ok bool, err error) {
	if c == "" {
		return time.Time{}, "", false, nil
	}
	bad := fmt.Errorf("%w: malformed conversation cursor", conversation.ErrInvalid)
	raw, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil {
		return time.Time{}, "", false, bad
	}
	parts := strings.SplitN(string(raw), ".", 3)
	if len(parts) != 3 {
		return time.Time{}, "", false, bad
	}
	sec, err1 := strconv.ParseInt(parts[0], 10, 64)
	ns, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || ns < 0 || ns >= 1e9 {
		return time.Time{}, "", false, bad
	}
	return time.Unix(sec, int64(ns)).UTC(), conversation.ID(parts[2]), true, nil
}

// Normalize returns f as stores apply it: Limit defaulted, Tag as
// ticket.Tag makes it. A Limit below 0 or above MaxConversationPage, a
// State that is not conversation.Open or conversation.Closed, a tag
// ticket.Tag refuses or a malformed cursor fail with
// conversation.ErrInvalid.
func (f ConversationFilter) Normalize() (ConversationFilter, error) {
	switch {
	case f.Limit < 0 || f.Limit > MaxConversationPage:
		return f, fmt.Errorf("%w: page size %d outside 0…%d", conversation.ErrInvalid, f.Limit, MaxConversationPage)
	case f.Limit == 0:
		f.Limit = DefaultConversationPage
	}
	if f.State != 0 && f.State != conversation.Open && f.State != conversation.Closed {
		return f, fmt.Errorf("%w: unknown conversation state %d", conversation.ErrInvalid, f.State)
	}
	if f.Tag != "" {
		tag, err := ticket.Tag(f.Tag)
		if err != nil {
			return f, fmt.Errorf("%w: filter %v", conversation.ErrInvalid, err)
		}
		f.Tag = tag
	}
	if _, _, _, err := f.After.Position(); err != nil {
		return f, err
	}
	return f, nil
}

// Match reports whether c passes every filter of f but the tag, which
// only the ticket knows, and the cursor.
func (f ConversationFilter) Match(c conversation.Conversation) bool {
	switch {
	case f.State != 0 && c.State != f.State,
		f.Assignee != "" && c.Assignee != f.Assignee,
		f.Team != "" && c.Team != f.Team,
		f.Channel != "" && c.Channel != f.Channel,
		!f.WaitingBefore.IsZero() && (c.WaitingSince.IsZero() || !c.WaitingSince.Before(f.WaitingBefore)),
		!f.WaitingAfter.IsZero() && (c.WaitingSince.IsZero() || c.WaitingSince.Before(f.WaitingAfter)):
		return false
	}
	return true
}

// ConversationLess reports whether c comes before d in the order of
// Tx.Conversations: by OpenedAt, then ID.
func ConversationLess(c, d conversation.Conversation) bool {
	if !c.OpenedAt.Equal(d.OpenedAt) {
		return c.OpenedAt.Before(d.OpenedAt)
	}
	return c.ID < d.ID
}
