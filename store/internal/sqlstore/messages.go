package sqlstore

import (
	"context"
	"slices"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

var _ store.MessagePager = (*Tx)(nil)

// MessagesPageQuery returns the statement and arguments of MessagesPage
// for a normalized page: a range of the index cc_messages_page
// (workspace, conversation_id, created_at, id), read forwards for a page
// after a cursor and backwards otherwise, one row more than asked, to
// tell whether another page follows that way. The EXPLAIN tests of the
// stores read it.
func (q *Statements) MessagesPageQuery(ws ticket.WorkspaceID, id conversation.ID, p store.MessagePage) (sql string, args []any) {
	sql = `SELECT ` + messageCols + ` FROM cc_messages WHERE workspace = ? AND conversation_id = ?`
	args = []any{string(ws), string(id)}
	if at, mid, ok, _ := p.After.Position(); ok {
		sql += ` AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`
		args = append(args, micros(at), string(mid), p.Limit+1)
		return Rebind(q.p, sql), args
	}
	if at, mid, ok, _ := p.Before.Position(); ok {
		sql += ` AND (created_at, id) < (?, ?)`
		args = append(args, micros(at), string(mid))
	}
	sql += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, p.Limit+1)
	return Rebind(q.p, sql), args
}

// MessagesPage implements store.MessagePager in one statement.
func (t *Tx) MessagesPage(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID, p store.MessagePage) (store.Messages, error) {
	if err := t.query(ctx); err != nil {
		return store.Messages{}, err
	}
	p, err := p.Normalize()
	if err != nil {
		return store.Messages{}, err
	}
	sql, args := t.q.MessagesPageQuery(ws, id, p)
	rows, err := queryAll(ctx, t.c, scanMessage, sql, args...)
	if err != nil {
		return store.Messages{}, err
	}
	more := len(rows) > p.Limit
	if more {
		rows = rows[:p.Limit]
	}
	var out store.Messages
	if p.After != "" {
		out.Messages = rows
		if more {
			out.Newer = store.MessagePosition(rows[len(rows)-1])
		}
		if len(rows) > 0 {
			out.Older = store.MessagePosition(rows[0])
		}
		return out, nil
	}
	slices.Reverse(rows)
	out.Messages = rows
	if more {
		out.Older = store.MessagePosition(rows[0])
	}
	if p.Before != "" && len(rows) > 0 {
		out.Newer = store.MessagePosition(rows[len(rows)-1])
	}
	return out, nil
}
