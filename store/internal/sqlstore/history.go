package sqlstore

import (
	"context"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// ContactTicketsQuery returns the statement and arguments of
// ContactTickets for a normalized page: a backward range of the index
// cc_tickets_by_contact (workspace, contact_id, number), one row more than
// asked, to tell whether another page follows. The EXPLAIN tests of the
// stores read it.
func (q *Statements) ContactTicketsQuery(ws ticket.WorkspaceID, contact ticket.ContactID, p store.TicketPage) (string, []any) {
	sql := `SELECT ` + ticketCols + ` FROM cc_tickets WHERE workspace = ? AND contact_id = ?`
	args := []any{string(ws), string(contact)}
	if n, ok, _ := p.After.Position(); ok {
		sql += ` AND number < ?`
		args = append(args, int64(n))
	}
	sql += ` ORDER BY number DESC LIMIT ?`
	return Rebind(q.p, sql), append(args, p.Limit+1)
}

// ContactTickets implements store.Tx.
func (t *Tx) ContactTickets(ctx context.Context, ws ticket.WorkspaceID, contact ticket.ContactID, p store.TicketPage) ([]ticket.Ticket, store.TicketCursor, error) {
	if err := t.query(ctx); err != nil {
		return nil, "", err
	}
	p, err := p.Normalize()
	if err != nil {
		return nil, "", err
	}
	sql, args := t.q.ContactTicketsQuery(ws, contact, p)
	out, err := queryAll(ctx, t.c, scanTicket, sql, args...)
	if err != nil {
		return nil, "", err
	}
	var next store.TicketCursor
	if len(out) > p.Limit {
		out = out[:p.Limit]
		next = store.TicketPosition(out[len(out)-1])
	}
	return out, next, nil
}

// TicketConversationsQuery returns the statement and arguments of
// TicketConversations for a normalized page: a range of the index
// cc_conversations_by_ticket_opened (workspace, ticket_id, opened_at, id),
// one row more than asked. The EXPLAIN tests of the stores read it.
func (q *Statements) TicketConversationsQuery(ws ticket.WorkspaceID, id ticket.ID, p store.ConversationPage) (string, []any) {
	sql := `SELECT ` + conversationCols + ` FROM cc_conversations c WHERE c.workspace = ? AND c.ticket_id = ?`
	args := []any{string(ws), string(id)}
	if at, cid, ok, _ := p.After.Position(); ok {
		sql += ` AND (c.opened_at, c.id) > (?, ?)`
		args = append(args, micros(at), string(cid))
	}
	sql += ` ORDER BY c.opened_at, c.id LIMIT ?`
	return Rebind(q.p, sql), append(args, p.Limit+1)
}

// TicketConversations implements store.Tx.
func (t *Tx) TicketConversations(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID, p store.ConversationPage) ([]conversation.Conversation, store.ConversationCursor, error) {
	if err := t.query(ctx); err != nil {
		return nil, "", err
	}
	p, err := p.Normalize()
	if err != nil {
		return nil, "", err
	}
	sql, args := t.q.TicketConversationsQuery(ws, id, p)
	out, err := queryAll(ctx, t.c, scanConversation, sql, args...)
	if err != nil {
		return nil, "", err
	}
	var next store.ConversationCursor
	if len(out) > p.Limit {
		out = out[:p.Limit]
		next = store.ConversationPosition(out[len(out)-1])
	}
	return out, next, nil
}
