package sqlite_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
	"github.com/telenet/contactcenter/ticket"
)

// messagePages are the shapes of a page of a conversation's messages:
// the newest, before a cursor and after one.
func messagePages() map[string]store.MessagePage {
	pos := store.MessagePosition(conversation.Message{ID: "m-00000050", CreatedAt: listBase.Add(50 * time.Second)})
	return map[string]store.MessagePage{
		"newest": {Limit: 50},
		"before": {Before: pos, Limit: 50},
		"after":  {After: pos, Limit: 50},
	}
}

// Every page of a conversation's messages is a search of the index
// cc_messages_page, in the page's order either way: no scan of the table
// and no sort (EXPLAIN QUERY PLAN, on 20,000 messages of 200
// conversations).
func TestMessagesPageUsesIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	defer s.Close()
	db := openRaw(t, path)
	base := listBase.UnixMicro()
	_, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 20000 - 1)
		INSERT INTO cc_messages (workspace, id, conversation_id, ticket_id, channel, direction, author_kind, author_agent, kind, body,
			attachments, external_id, created_at, delivery, attempts, next_attempt, failure, revisions, altered, version)
		SELECT 'w', printf('m-%08d', i), printf('cv-%08d', i % 200), printf('t-%08d', i % 200), 'ch', 1, 1, '', 1, 'hola',
			'', printf('x-%08d', i), ? + (i / 200) * 1000000, 0, 0, 0, '', '', 0, 1
		FROM n`, base)
	require.NoError(t, err)
	q := sqlstore.NewStatements(sqlstore.Question)
	for name, p := range messagePages() {
		p, err := p.Normalize()
		require.NoError(t, err)
		query, args := q.MessagesPageQuery("w", "cv-00000007", p)
		plan := queryPlan(t, db, query, args...)
		t.Logf("%s:\n%s", name, strings.Join(plan, "\n"))
		assertIndexed(t, name, "cc_messages_page", plan)
	}
}

// A contact's tickets and a ticket's conversations are each a search of
// their index in the page's order, with a cursor or without: no scan and
// no sort (EXPLAIN QUERY PLAN).
func TestHistoryUsesIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	defer s.Close()
	db := openRaw(t, path)
	seedList(t, db, "w", 2000)
	_, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2000 - 1)
		INSERT INTO cc_tickets (workspace, id, number, contact_id, subject, status, priority, tags, opened_at, closed_at, version)
		SELECT 'w', printf('t-%08d', i), i + 1, printf('k-%08d', i % 200), 's', 1 + i % 2, 0, '', 0, 0, 1 FROM n`)
	require.NoError(t, err)
	q := sqlstore.NewStatements(sqlstore.Question)
	cases := map[string]func() (string, []any){
		"tickets": func() (string, []any) { return q.ContactTicketsQuery("w", "k-00000007", store.TicketPage{Limit: 50}) },
		"tickets after": func() (string, []any) {
			return q.ContactTicketsQuery("w", "k-00000007", store.TicketPage{After: store.TicketPosition(ticket.Ticket{Number: 1000}), Limit: 50})
		},
		"conversations": func() (string, []any) {
			return q.TicketConversationsQuery("w", "t-00000007", store.ConversationPage{Limit: 50})
		},
		"conversations after": func() (string, []any) {
			return q.TicketConversationsQuery("w", "t-00000007", store.ConversationPage{After: store.ConversationPosition(conversation.Conversation{ID: "cv-1", OpenedAt: listBase}), Limit: 50})
		},
	}
	index := map[string]string{"tickets": "cc_tickets_by_contact", "tickets after": "cc_tickets_by_contact",
		"conversations": "cc_conversations_by_ticket_opened", "conversations after": "cc_conversations_by_ticket_opened"}
	for name, c := range cases {
		query, args := c()
		plan := queryPlan(t, db, query, args...)
		t.Logf("%s:\n%s", name, strings.Join(plan, "\n"))
		assertIndexed(t, name, index[name], plan)
	}
}
