package memory

import (
	"cmp"
	"context"
	"slices"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// ContactTickets implements store.Tx from the contact's list of tickets.
func (t *tx) ContactTickets(ctx context.Context, ws ticket.WorkspaceID, contact ticket.ContactID, p store.TicketPage) ([]ticket.Ticket, store.TicketCursor, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, "", err
	}
	p, err := p.Normalize()
	if err != nil {
		return nil, "", err
	}
	after, hasAfter, _ := p.After.Position()
	ids, _ := t.s.contactTickets.get(key[ticket.ContactID]{ws, contact})
	var all []ticket.Ticket
	for _, id := range ids {
		if tk, ok := t.s.tickets.get(key[ticket.ID]{ws, id}); ok && (!hasAfter || tk.Number < after) {
			all = append(all, tk)
		}
	}
	slices.SortFunc(all, func(a, b ticket.Ticket) int { return cmp.Compare(b.Number, a.Number) })
	var next store.TicketCursor
	if len(all) > p.Limit {
		all = all[:p.Limit]
		next = store.TicketPosition(all[len(all)-1])
	}
	out := make([]ticket.Ticket, len(all))
	for i, tk := range all {
		out[i] = cloneTicket(tk)
	}
	return out, next, nil
}

// TicketConversations implements store.Tx. It scans the rows of every
// workspace, as Conversations does.
func (t *tx) TicketConversations(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID, p store.ConversationPage) ([]conversation.Conversation, store.ConversationCursor, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, "", err
	}
	p, err := p.Normalize()
	if err != nil {
		return nil, "", err
	}
	w, ok := t.wsID(ws)
	if !ok {
		return nil, "", nil
	}
	var after listKey
	at, cid, hasAfter, _ := p.After.Position()
	if hasAfter {
		after = listKey{opened: unixNano(at), id: cid}
	}
	var page []listKey
	rows := t.s.convs
	for pos := int32(0); int(pos) < rows.n; pos++ {
		r := rows.at(pos)
		if r.ws != w || r.id == "" || r.ticket != id {
			continue
		}
		k := listKey{opened: r.openedAt, id: r.id, pos: pos}
		if hasAfter && !after.less(k) {
			continue
		}
		page = append(page, k)
	}
	slices.SortFunc(page, func(a, b listKey) int {
		if a.less(b) {
			return -1
		}
		return 1
	})
	out, next := t.conversationPage(page, p.Limit)
	return out, next, nil
}
