package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

var _ store.QueuePager = (*Tx)(nil)

// queueGroupRows selects the waiting conversations of one group, which
// no bot holds (R2) (the
// index cc_conversations_queue_groups: workspace, channel, team,
// abandoned, then the queue's order).
const queueGroupRows = `SELECT ` + conversationCols + ` FROM cc_conversations
	WHERE workspace = ? AND channel = ? AND team = ? AND abandoned = ? AND state = 1 AND assignee = '' AND bot = ''`

// QueuePageQuery returns the statement and arguments of QueuePage for a
// normalized page with groups: for each group, the rows just after the
// position, read from the group's range of the index
// cc_conversations_queue_groups in the queue's order and limited, then
// merged. With a position, a group is read in two ranges, each in the
// index's order: the rest of the position's priority, after its waiting
// time and id, and the lower priorities. The EXPLAIN test of SQLite reads
// it.
func (q *Statements) QueuePageQuery(ws ticket.WorkspaceID, p store.QueuePage) (string, []any) {
	var b strings.Builder
	var args []any
	part := func(cond, order string, extra ...any) {
		if len(args) > 0 {
			b.WriteString("\n\tUNION ALL ")
		}
		b.WriteString(`SELECT * FROM (` + queueGroupRows + cond + ` ORDER BY ` + order + ` LIMIT ?) g` + strconv.Itoa(len(args)))
		args = append(args, extra...)
	}
	b.WriteString(`SELECT ` + conversationCols + ` FROM (`)
	for _, g := range p.Groups {
		group := []any{string(ws), string(g.Channel), string(g.Team), g.Abandoned}
		if p.After.ID == "" {
			part(``, `priority DESC, waiting_since, id`, slices.Concat(group, []any{p.Limit})...)
			continue
		}
		at := p.After
		part(` AND priority = ? AND (waiting_since, id) > (?, ?)`, `waiting_since, id`,
			slices.Concat(group, []any{int(at.Priority), micros(at.WaitingSince), string(at.ID), p.Limit})...)
		part(` AND priority < ?`, `priority DESC, waiting_since, id`, slices.Concat(group, []any{int(at.Priority), p.Limit})...)
	}
	b.WriteString(`) queue ORDER BY priority DESC, waiting_since, id LIMIT ?`)
	return Rebind(q.p, b.String()), append(args, p.Limit)
}

// QueueQuery returns the statement of Tx.Queue, whose arguments are the
// workspace and the limit: the waiting conversations held by no bot (R2),
// read from the index cc_conversations_queue in the queue's order. The
// EXPLAIN tests of the stores read it.
func (q *Statements) QueueQuery() string { return q.queue }

// QueuePage implements store.QueuePager in one statement (QueuePageQuery).
func (t *Tx) QueuePage(ctx context.Context, ws ticket.WorkspaceID, p store.QueuePage) ([]conversation.Conversation, error) {
	if err := t.query(ctx); err != nil {
		return nil, err
	}
	p, err := p.Normalize()
	if err != nil || len(p.Groups) == 0 {
		return nil, err
	}
	if len(p.Groups) <= QueueGroupsPerStatement || t.q.p != Question {
		sql, args := t.q.QueuePageQuery(ws, p)
		return queryAll(ctx, t.c, scanConversation, sql, args...)
	}
	// Many groups on SQLite: a statement per chunk of them, the pages
	// merged in the queue's order and cut at the limit. (SQLite compares
	// ids by bytes, as the merge does; PostgreSQL, whose collation may
	// not, takes every group in one statement.)
	var out []conversation.Conversation
	for chunk := range slices.Chunk(p.Groups, QueueGroupsPerStatement) {
		part := p
		part.Groups = chunk
		sql, args := t.q.QueuePageQuery(ws, part)
		rows, err := queryAll(ctx, t.c, scanConversation, sql, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	slices.SortFunc(out, func(a, b conversation.Conversation) int {
		switch {
		case store.QueuePositionOf(&a).Follows(&b):
			return -1
		case store.QueuePositionOf(&b).Follows(&a):
			return 1
		}
		return 0
	})
	if len(out) > p.Limit {
		out = out[:p.Limit]
	}
	return out, nil
}

// QueueGroupsPerStatement is how many groups one statement of QueuePage
// reads on SQLite: each is one or two terms of a compound SELECT, and
// SQLite takes at most 500 terms (SQLITE_MAX_COMPOUND_SELECT).
const QueueGroupsPerStatement = 100
