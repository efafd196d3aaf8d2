package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
)

// Rows stored before migrations 0005 and 0006 read as the zero values of
// what they add: a timer without payload, an event without actor, cause
// and contact, a contact not renamed.
func TestMigration0005KeepsOldRows(t *testing.T) {
	ctx := context.Background()
	dsn := freshSchema(t)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	migratedTo(t, conn, 4)
	due := time.Date(2026, 3, 2, 9, 0, 0, 123, time.UTC)
	_, err = conn.Exec(ctx, `INSERT INTO cc_timers (kind, workspace, key, due) VALUES ('conversation.timeout', 'w', 'cv1', $1)`, due.UnixNano())
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO cc_events (workspace, type, at, conversation_id, ticket_id, ticket_number, message_id, agent, previous, team, reason, presence)
		VALUES ('w', 'message.received', 0, 'cv1', '', 0, 'm1', '', '', '', '', 0)`)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO cc_contacts (workspace, id, name, language, fields, created_at, version) VALUES ('w', 'k1', 'Ana', 'es', '', 0, 3)`)
	require.NoError(t, err)

	s := open(t, dsn)
	defer s.Close()
	want := store.Timer{Kind: conversation.TimerTimeout, Workspace: "w", Key: "cv1", Due: due}
	require.NoError(t, s.View(ctx, func(tx store.Tx) error {
		got, err := tx.Timer(ctx, conversation.TimerTimeout, "w", "cv1")
		require.NoError(t, err)
		assert.Equal(t, want, got)
		c, err := tx.Contact(ctx, "w", "k1")
		require.NoError(t, err)
		assert.Equal(t, "Ana", c.Name)
		assert.False(t, c.Renamed)
		assert.Equal(t, int64(3), c.Version)
		return nil
	}))
	claimed, err := s.ClaimTimers(ctx, due, time.Minute, 10)
	require.NoError(t, err)
	assert.Equal(t, []store.ClaimedTimer{{Timer: want, Lease: due.Add(time.Minute)}}, claimed)
	var events []conversation.Event
	_, err = s.DrainEvents(ctx, 10, func(_ context.Context, evs []conversation.Event) (int, error) {
		events = evs
		return len(evs), nil
	})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, conversation.Actor{}, events[0].Actor)
	assert.Equal(t, conversation.Cause{}, events[0].Cause)
	assert.Equal(t, conversation.MessageID("m1"), events[0].Message)
	assert.Empty(t, events[0].Contact)
}

// Rows stored before migration 0012 read as held by no bot (R2): a waiting
// conversation stays in the queue, through the indexes the migration
// made again, and an event names no bot and has no data.
func TestMigration0012KeepsOldRows(t *testing.T) {
	ctx := context.Background()
	dsn := freshSchema(t)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	migratedTo(t, conn, 11)
	_, err = conn.Exec(ctx, `INSERT INTO cc_conversations (workspace, id, ticket_id, ticket_number, channel, contact_id, contact_external_id, state, priority,
		assignee, team, waiting_since, abandoned, opened_at, last_activity, closed_at, close_reason, closed_by, note_category, note_summary, out_of_hours_until, version)
		VALUES ('w', 'cv1', 't1', 1, 'ch', 'k1', 'ext-k1', 1, 0, '', '', 5, false, 1, 1, 0, '', '', '', '', 0, 2)`)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO cc_events (workspace, type, at, conversation_id, ticket_id, ticket_number, message_id, agent, previous, team, reason, presence)
		VALUES ('w', 'conversation.opened', 0, 'cv1', 't1', 1, '', '', '', '', '', 0)`)
	require.NoError(t, err)

	s := open(t, dsn)
	defer s.Close()
	require.NoError(t, s.View(ctx, func(tx store.Tx) error {
		c, err := tx.Conversation(ctx, "w", "cv1")
		require.NoError(t, err)
		assert.Empty(t, c.Bot)
		assert.True(t, c.Waiting())
		q, err := tx.Queue(ctx, "w", 0)
		require.NoError(t, err)
		require.Len(t, q, 1)
		page, err := store.ReadQueuePage(ctx, tx, "w", store.QueuePage{Groups: []store.QueueGroup{{Channel: "ch"}}, Limit: 10})
		require.NoError(t, err)
		require.Len(t, page, 1)
		assert.Equal(t, conversation.ID("cv1"), page[0].ID)
		return nil
	}))
	var events []conversation.Event
	_, err = s.DrainEvents(ctx, 10, func(_ context.Context, evs []conversation.Event) (int, error) {
		events = evs
		return len(evs), nil
	})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Empty(t, events[0].Bot)
	assert.Nil(t, events[0].Data)
}
