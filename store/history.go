package store

import (
	"encoding/base64"
	"fmt"
	"strconv"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// Page sizes of Tx.ContactTickets and Tx.TicketConversations.
const (
	// DefaultHistoryPage is the page size of a TicketPage or
	// ConversationPage whose Limit is 0.
	DefaultHistoryPage = 50
	// MaxHistoryPage is the largest Limit a TicketPage or
	// ConversationPage may ask for.
	MaxHistoryPage = 200
)

// TicketPage selects a page of a contact's tickets for
// Tx.ContactTickets: newest first, by Number descending.
type TicketPage struct {
	// After starts the page after this position: the next cursor of the
	// previous page. The empty cursor starts at the newest ticket.
	After TicketCursor
	// Limit is the page size: 0 means DefaultHistoryPage; at most
	// MaxHistoryPage.
	Limit int
}

// TicketCursor is an opaque position in the order of Tx.ContactTickets.
// Ticket numbers never change, so a cursor stays valid while tickets are
// added or changed.
type TicketCursor string

// TicketPosition returns the cursor just after t in the order of
// Tx.ContactTickets.
func TicketPosition(t ticket.Ticket) TicketCursor {
	return TicketCursor(base64.RawURLEncoding.EncodeToString([]byte("t." + strconv.FormatInt(int64(t.Number), 10))))
}

// Position decodes the cursor: the number of the ticket it follows. The
// empty cursor has ok false. A cursor that no TicketPosition made fails
// with conversation.ErrInvalid.
func (c TicketCursor) Position() (n ticket.Number, ok bool, err error) {
	if c == "" {
		return 0, false, nil
	}
	bad := fmt.Errorf("%w: malformed ticket cursor", conversation.ErrInvalid)
	raw, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil || len(raw) < 3 || string(raw[:2]) != "t." {
		return 0, false, bad
	}
	v, err := strconv.ParseInt(string(raw[2:]), 10, 64)
	if err != nil || v < 1 {
		return 0, false, bad
	}
	return ticket.Number(v), true, nil
}

// checkLimit defaults a history page's limit and refuses one outside
// 0…MaxHistoryPage.
func checkLimit(limit int) (int, error) {
	switch {
	case limit < 0 || limit > MaxHistoryPage:
		return limit, fmt.Errorf("%w: page size %d outside 0…%d", conversation.ErrInvalid, limit, MaxHistoryPage)
	case limit == 0:
		return DefaultHistoryPage, nil
	}
	return limit, nil
}

// Normalize returns p as stores apply it, Limit defaulted. A Limit below
// 0 or above MaxHistoryPage or a malformed cursor fail with
// conversation.ErrInvalid.
func (p TicketPage) Normalize() (TicketPage, error) {
	var err error
	if p.Limit, err = checkLimit(p.Limit); err != nil {
		return p, err
	}
	_, _, err = p.After.Position()
	return p, err
}

// ConversationPage selects a page of a ticket's conversations for
// Tx.TicketConversations, in the order of ConversationLess (by OpenedAt,
// then ID).
type ConversationPage struct {
	// After starts the page after this position: the next cursor of the
	// previous page. The empty cursor starts at the beginning.
	After ConversationCursor
	// Limit is the page size: 0 means DefaultHistoryPage; at most
	// MaxHistoryPage.
	Limit int
}

// Normalize returns p as stores apply it, Limit defaulted. A Limit below
// 0 or above MaxHistoryPage or a malformed cursor fail with
// conversation.ErrInvalid.
func (p ConversationPage) Normalize() (ConversationPage, error) {
	var err error
	if p.Limit, err = checkLimit(p.Limit); err != nil {
		return p, err
	}
	_, _, _, err = p.After.Position()
	return p, err
}
