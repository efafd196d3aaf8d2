package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

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
	path := filepath.Join(t.TempDir(), "cc.db")
	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	migratedTo(t, raw, 4)
	due := time.Date(2026, 3, 2, 9, 0, 0, 123, time.UTC)
	_, err = raw.Exec(`INSERT INTO cc_timers (kind, workspace, key, due) VALUES ('conversation.timeout', 'w', 'cv1', ?)`, due.UnixNano())
	require.NoError(t, err)
	_, err = raw.Exec(`INSERT INTO cc_events (workspace, type, at, conversation_id, ticket_id, ticket_number, message_id, agent, previous, team, reason, presence)
		VALUES ('w', 'message.received', 0, 'cv1', '', 0, 'm1', '', '', '', '', 0)`)
	require.NoError(t, err)
	_, err = raw.Exec(`INSERT INTO cc_contacts (workspace, id, name, language, fields, created_at, version) VALUES ('w', 'k1', 'Ana', 'es', '', 0, 3)`)
	require.NoError(t, err)
	require.NoError(t, raw.Close())

	s := open(t, path)
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

// An event whose actor or cause kind has no name is refused for good
// (store.ErrRejected), and nothing of its transaction is stored: every
// stored event reads back.
func TestEventKindWithoutName(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	defer s.Close()
	for _, e := range []conversation.Event{
		{Type: conversation.EventMessageReceived, Workspace: "w", Actor: conversation.Actor{Kind: 99, ID: "x"}},
		{Type: conversation.EventMessageReceived, Workspace: "w", Cause: conversation.Cause{Kind: 200, ID: "x"}},
	} {
		err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.AppendEvent(ctx, conversation.Event{Type: conversation.EventMessageSent, Workspace: "w"}); err != nil {
				return err
			}
			return tx.AppendEvent(ctx, e)
		})
		assert.ErrorIs(t, err, store.ErrRejected)
	}
	n, err := s.DrainEvents(ctx, 10, func(_ context.Context, evs []conversation.Event) (int, error) { return len(evs), nil })
	require.NoError(t, err)
	assert.Zero(t, n, "nothing stored")
}

// Rows stored before migration 0012 read as held by no bot (R2): a waiting
// conversation stays in the queue, through the indexes the migration
// made again, and an event names no bot and has no data.
func TestMigration0012KeepsOldRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	migratedTo(t, raw, 11)
	_, err = raw.Exec(`INSERT INTO cc_conversations (workspace, id, ticket_id, ticket_number, channel, contact_id, contact_external_id, state, priority,
		assignee, team, waiting_since, abandoned, opened_at, last_activity, closed_at, close_reason, closed_by, note_category, note_summary, out_of_hours_until, version)
		VALUES ('w', 'cv1', 't1', 1, 'ch', 'k1', 'ext-k1', 1, 0, '', '', 5, 0, 1, 1, 0, '', '', '', '', 0, 2)`)
	require.NoError(t, err)
	_, err = raw.Exec(`INSERT INTO cc_events (workspace, type, at, conversation_id, ticket_id, ticket_number, message_id, agent, previous, team, reason, presence)
		VALUES ('w', 'conversation.opened', 0, 'cv1', 't1', 1, '', '', '', '', '', 0)`)
	require.NoError(t, err)
	require.NoError(t, raw.Close())

	s := open(t, path)
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
