package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// Page sizes of Tx.MessagesPage.
const (
	// DefaultMessagePage is the page size of a MessagePage whose Limit is
	// 0.
	DefaultMessagePage = 50
	// MaxMessagePage is the largest Limit a MessagePage may ask for.
	MaxMessagePage = 200
)

// MessagePage selects a page of a conversation's messages for
// Tx.MessagesPage, in the order of MessageLess (by CreatedAt, then ID).
// With neither cursor the page holds the newest messages, as a chat view
// opens; with Before, the messages just before that position (scrolling
// back); with After, those just after it (onwards, or polling for new
// ones). At most one cursor may be set.
type MessagePage struct {
	// Before ends the page just before this position: the Older cursor of
	// a page.
	Before MessageCursor
	// After starts the page just after this position: the Newer cursor of
	// a page, or MessagePosition of the last message shown.
	After MessageCursor
	// Limit is the page size: 0 means DefaultMessagePage; at most
	// MaxMessagePage.
	Limit int
}

// Messages is a page of Tx.MessagesPage: its messages oldest first, and
// the cursors of the pages either side.
type Messages struct {
	// Messages are the page's messages, oldest first.
	Messages []conversation.Message
	// Older is the cursor of the page before (MessagePage.Before): empty
	// when the store knows no message before the page. A page read with
	// After has it whenever it is not empty (the message its cursor was
	// taken from lies before).
	Older MessageCursor
	// Newer is the cursor of the page after (MessagePage.After): empty
	// when no message followed the page when it was read. A page read
	// with Before has it whenever it is not empty. A chat view that polls
	// for new messages uses MessagePosition of its last message.
	Newer MessageCursor
}

// MessageCursor is an opaque position in the order of Tx.MessagesPage:
// by CreatedAt, then ID. Messages are never deleted, so a cursor stays
// valid while messages are added or changed.
type MessageCursor string

// MessagePosition returns the cursor of m in the order of
// Tx.MessagesPage: a page Before it ends just before m, one After it
// starts just after m.
func MessagePosition(m conversation.Message) MessageCursor {
	s := strconv.FormatInt(m.CreatedAt.Unix(), 10) + "." + strconv.Itoa(m.CreatedAt.Nanosecond()) + "." + string(m.ID)
	return MessageCursor(base64.RawURLEncoding.EncodeToString([]byte(s)))
}

// Position decodes the cursor: the creation time and id of the message it
// was taken from. The empty cursor has ok false. A cursor that no
// MessagePosition made fails with conversation.ErrInvalid.
func (c MessageCursor) Position() (createdAt time.Time, id conversation.MessageID, ok bool, err error) {
	if c == "" {
		return time.Time{}, "", false, nil
	}
	bad := fmt.Errorf("%w: malformed message cursor", conversation.ErrInvalid)
	raw, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil {
		return time.Time{}, "", false, bad
	}
	parts := strings.SplitN(string(raw), ".", 3)
	if len(parts) != 3 || parts[2] == "" {
		return time.Time{}, "", false, bad
	}
	sec, err1 := strconv.ParseInt(parts[0], 10, 64)
	ns, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || ns < 0 || ns >= 1e9 {
		return time.Time{}, "", false, bad
	}
	return time.Unix(sec, int64(ns)).UTC(), conversation.MessageID(parts[2]), true, nil
}

// Normalize returns p as stores apply it, Limit defaulted. A Limit below
// 0 or above MaxMessagePage, both cursors set or a malformed cursor fail
// with conversation.ErrInvalid.
func (p MessagePage) Normalize() (MessagePage, error) {
	switch {
	case p.Limit < 0 || p.Limit > MaxMessagePage:
		return p, fmt.Errorf("%w: page size %d outside 0…%d", conversation.ErrInvalid, p.Limit, MaxMessagePage)
	case p.Limit == 0:
		p.Limit = DefaultMessagePage
	}
	if p.Before != "" && p.After != "" {
		return p, fmt.Errorf("%w: a message page is either before or after a position", conversation.ErrInvalid)
	}
	if _, _, _, err := p.Before.Position(); err != nil {
		return p, err
	}
	if _, _, _, err := p.After.Position(); err != nil {
		return p, err
	}
	return p, nil
}

// MessageLess reports whether m comes before n in the order of
// Tx.MessagesPage: by CreatedAt, then ID.
func MessageLess(m, n conversation.Message) bool {
	if !m.CreatedAt.Equal(n.CreatedAt) {
		return m.CreatedAt.Before(n.CreatedAt)
	}
	return m.ID < n.ID
}

// MessagePager is an optional capability of a Tx: a store that reads a
// page of a conversation's messages from an index implements it.
// MessagesPage reads every message of the conversation (Messages) and
// keeps the page where a Tx does not.
type MessagePager interface {
	// MessagesPage answers what the function MessagesPage answers without
	// the capability, for a normalized p.
	MessagesPage(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID, p MessagePage) (Messages, error)
}

// MessagesPage returns the page p asks for of the messages of
// conversation id, oldest first, in the order of MessageLess, with the
// cursors of the pages either side. An unknown conversation has no
// messages. A page Normalize refuses fails with its error, which wraps
// conversation.ErrInvalid. It uses tx's MessagePager capability, and
// reads every message of the conversation where tx has none.
func MessagesPage(ctx context.Context, tx Tx, ws ticket.WorkspaceID, id conversation.ID, p MessagePage) (Messages, error) {
	p, err := p.Normalize()
	if err != nil {
		return Messages{}, err
	}
	if m, ok := tx.(MessagePager); ok {
		return m.MessagesPage(ctx, ws, id, p)
	}
	msgs, err := tx.Messages(ctx, ws, id)
	if err != nil {
		return Messages{}, err
	}
	slices.SortStableFunc(msgs, func(a, b conversation.Message) int {
		switch {
		case MessageLess(a, b):
			return -1
		case MessageLess(b, a):
			return 1
		}
		return 0
	})
	return pageMessages(msgs, p), nil
}

// pageMessages makes the page p asks for from msgs, a conversation's
// messages in the order of MessageLess, for a normalized p.
func pageMessages(msgs []conversation.Message, p MessagePage) Messages {
	var out Messages
	if at, id, ok, _ := p.After.Position(); ok {
		k := conversation.Message{CreatedAt: at, ID: id}
		i := 0
		for i < len(msgs) && !MessageLess(k, msgs[i]) {
			i++
		}
		end := min(i+p.Limit, len(msgs))
		out.Messages = slices.Clip(msgs[i:end])
		if end < len(msgs) {
			out.Newer = MessagePosition(msgs[end-1])
		}
		if len(out.Messages) > 0 {
			out.Older = MessagePosition(out.Messages[0])
		}
		return out
	}
	end := len(msgs)
	if at, id, ok, _ := p.Before.Position(); ok {
		k := conversation.Message{CreatedAt: at, ID: id}
		end = 0
		for end < len(msgs) && MessageLess(msgs[end], k) {
			end++
		}
		if end > 0 {
			out.Newer = MessagePosition(msgs[end-1])
		}
	}
	start := max(end-p.Limit, 0)
	out.Messages = slices.Clip(msgs[start:end])
	if start > 0 {
		out.Older = MessagePosition(msgs[start])
	}
	return out
}
