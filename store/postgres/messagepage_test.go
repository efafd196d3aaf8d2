package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
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
		rows, err := s.Pool().Query(ctx, "EXPLAIN "+query, args...)
		require.NoError(t, err)
		var plan []string
		for rows.Next() {
			var line string
			require.NoError(t, rows.Scan(&line))
			plan = append(plan, line)
		}
		require.NoError(t, rows.Err())
		text := strings.Join(plan, "\n")
		t.Logf("%s:\n%s", name, text)
		assert.Contains(t, text, "Index Scan", "%s:\n%s", name, text)
		assert.Contains(t, text, "cc_messages_page", "%s:\n%s", name, text)
		assert.NotContains(t, text, "Seq Scan", "%s:\n%s", name, text)
		assert.NotContains(t, text, "Sort", "%s:\n%s", name, text)
	}
}
