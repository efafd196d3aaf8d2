package sqlstore

import (
	"context"
	"strings"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// insertTags writes the rows of cc_ticket_tags for a ticket's tags, in one
// statement: the tag filter of Conversations reads them.
func (t *Tx) insertTags(ctx context.Context, tk ticket.Ticket) error {
	if len(tk.Tags) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO cc_ticket_tags (workspace, ticket_id, tag) VALUES `)
	args := make([]any, 0, 3*len(tk.Tags))
	for i, tag := range tk.Tags {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?)")
		args = append(args, tk.Workspace, tk.ID, tag)
	}
	b.WriteString(` ON CONFLICT DO NOTHING`)
	return t.exec(ctx, Rebind(t.q.p, b.String()), nil, args...)
}

// ConversationsQuery returns the statement and arguments of
// Conversations for a normalized filter: every filter is a condition on
// a column of an index in the order of the list (workspace, column,
// opened_at, id), the tag one a lookup in cc_ticket_tags by its primary
// key, and the page reads one row more than asked, to tell whether
// another follows. The EXPLAIN tests of the stores read it.
func (q *Statements) ConversationsQuery(ws ticket.WorkspaceID, f store.ConversationFilter) (string, []any) {
	var b strings.Builder
	b.WriteString(`SELECT ` + conversationCols + ` FROM cc_conversations c WHERE c.workspace = ?`)
	args := []any{string(ws)}
	cond := func(sql string, v any) {
		b.WriteString(" AND " + sql)
		args = append(args, v)
	}
	if f.State != 0 {
		cond("c.state = ?", int64(f.State))
	}
	if f.Assignee != "" {
		cond("c.assignee = ?", string(f.Assignee))
	}
	if f.Team != "" {
		cond("c.team = ?", string(f.Team))
	}
	if f.Channel != "" {
		cond("c.channel = ?", string(f.Channel))
	}
	if !f.WaitingBefore.IsZero() {
		cond("c.waiting_since <> 0 AND c.waiting_since < ?", micros(f.WaitingBefore))
	}
	if !f.WaitingAfter.IsZero() {
		cond("c.waiting_since <> 0 AND c.waiting_since >= ?", micros(f.WaitingAfter))
	}
	if f.Tag != "" {
		cond("EXISTS (SELECT 1 FROM cc_ticket_tags g WHERE g.workspace = c.workspace AND g.ticket_id = c.ticket_id AND g.tag = ?)", f.Tag)
	}
	if at, id, ok, _ := f.After.Position(); ok {
		b.WriteString(" AND (c.opened_at, c.id) > (?, ?)")
		args = append(args, micros(at), string(id))
	}
	b.WriteString(" ORDER BY c.opened_at, c.id LIMIT ?")
	args = append(args, f.Limit+1)
	return Rebind(q.p, b.String()), args
}

// Conversations implements store.Tx.
func (t *Tx) Conversations(ctx context.Context, ws ticket.WorkspaceID, f store.ConversationFilter) ([]conversation.Conversation, store.ConversationCursor, error) {
	if err := t.query(ctx); err != nil {
		return nil, "", err
	}
	f, err := f.Normalize()
	if err != nil {
		return nil, "", err
	}
	sql, args := t.q.ConversationsQuery(ws, f)
	out, err := queryAll(ctx, t.c, scanConversation, sql, args...)
	if err != nil {
		return nil, "", err
	}
	var next store.ConversationCursor
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = store.ConversationPosition(out[len(out)-1])
	}
	return out, next, nil
}
