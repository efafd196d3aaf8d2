package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
	"github.com/telenet/contactcenter/ticket"
)

// Every page of a conversation's messages — the newest, before a cursor,
// after one — is an index scan of cc_messages_page in the page's order,
// forwards or backwards: no sequential scan and no sort (EXPLAIN on
// 100,000 analyzed messages of 500 conversations).
func TestMessagesPageUsesIndex(t *testing.T) {
	ctx := context.Background()
	s := open(t, freshSchema(t))
	defer s.Close()
	base := listBase.UnixMicro()
	_, err := s.Pool().Exec(ctx, `INSERT INTO cc_messages (workspace, id, conversation_id, ticket_id, channel, direction, author_kind, author_agent, kind, body,
			attachments, external_id, created_at, delivery, attempts, next_attempt, failure, revisions, altered, version)
		SELECT 'w', 'm-' || lpad(i::text, 8, '0'), 'cv-' || lpad((i % 500)::text, 8, '0'), 't-' || lpad((i % 500)::text, 8, '0'), 'ch', 1, 1, '', 1, 'hola',
			'', 'x-' || lpad(i::text, 8, '0'), $1::bigint + (i / 500) * 1000000, 0, 0, 0, '', '', 0, 1
		FROM generate_series(0, 99999) i`, base)
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `ANALYZE cc_messages`)
	require.NoError(t, err)
	pos := store.MessagePosition(conversation.Message{ID: "m-00050007", CreatedAt: listBase.Add(100 * time.Second)})
	q := sqlstore.NewStatements(sqlstore.Dollar)
	for name, p := range map[string]store.MessagePage{
		"newest": {Limit: 50},
		"before": {Before: pos, Limit: 50},
		"after":  {After: pos, Limit: 50},
	} {
		p, err := p.Normalize()
		require.NoError(t, err)
		query, args := q.MessagesPageQuery("w", "cv-00000007", p)
		plan := explain(t, s, query, args...)
		t.Logf("%s:\n%s", name, plan)
		assertIndexScan(t, name, "Index Scan", "cc_messages_page", plan)
	}
}

// A contact's tickets and a ticket's conversations are each an index
// scan of their index in the page's order, with a cursor or without: no
// sequential scan and no sort (EXPLAIN on 50,000 analyzed tickets of 500
// contacts and 50,000 conversations of 500 tickets).
func TestHistoryUsesIndexes(t *testing.T) {
	ctx := context.Background()
	s := open(t, freshSchema(t))
	defer s.Close()
	base := listBase.UnixMicro()
	_, err := s.Pool().Exec(ctx, `INSERT INTO cc_conversations (workspace, id, ticket_id, ticket_number, channel, contact_id, contact_external_id, state, priority,
			assignee, team, waiting_since, abandoned, opened_at, last_activity, closed_at, close_reason, closed_by, note_category, note_summary, out_of_hours_until, version)
		SELECT 'w', 'cv-' || lpad(i::text, 8, '0'), 't-' || lpad((i % 500)::text, 8, '0'), i % 500 + 1, 'ch', 'k-' || lpad(i::text, 8, '0'), 'x', 2, 0,
			'', '', 0, false, $1::bigint + i::bigint * 1000000, $1::bigint + i::bigint * 1000000, $1::bigint + i::bigint * 1000000 + 1, '', '', '', '', 0, 1
		FROM generate_series(0, 49999) i`, base)
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `INSERT INTO cc_tickets (workspace, id, number, contact_id, subject, status, priority, tags, opened_at, closed_at, version)
		SELECT 'w', 't-' || lpad(i::text, 8, '0'), i + 1, 'k-' || lpad((i % 500)::text, 8, '0'), 's', 1 + i % 2, 0, '', 0, 0, 1
		FROM generate_series(0, 49999) i`)
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `ANALYZE cc_conversations; ANALYZE cc_tickets`)
	require.NoError(t, err)
	q := sqlstore.NewStatements(sqlstore.Dollar)
	type plan struct {
		index string
		query string
		args  []any
	}
	cases := map[string]plan{}
	add := func(name, index, query string, args []any) { cases[name] = plan{index, query, args} }
	query, args := q.ContactTicketsQuery("w", "k-00000007", store.TicketPage{Limit: 50})
	add("tickets", "cc_tickets_by_contact", query, args)
	query, args = q.ContactTicketsQuery("w", "k-00000007", store.TicketPage{After: store.TicketPosition(ticket.Ticket{Number: 25000}), Limit: 50})
	add("tickets after", "cc_tickets_by_contact", query, args)
	query, args = q.TicketConversationsQuery("w", "t-00000007", store.ConversationPage{Limit: 50})
	add("conversations", "cc_conversations_by_ticket_opened", query, args)
	query, args = q.TicketConversationsQuery("w", "t-00000007", store.ConversationPage{
		After: store.ConversationPosition(conversation.Conversation{ID: "cv-00025007", OpenedAt: listBase.Add(25007 * time.Second)}), Limit: 50})
	add("conversations after", "cc_conversations_by_ticket_opened", query, args)
	for name, c := range cases {
		plan := explain(t, s, c.query, c.args...)
		t.Logf("%s:\n%s", name, plan)
		assertIndexScan(t, name, "Index Scan", c.index, plan)
	}
}
