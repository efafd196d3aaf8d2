package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
)

// A ticket's tags stored before migration 0007 are copied into
// cc_ticket_tags when it runs, so that the tag filter finds them.
func TestMigration0007BackfillsTags(t *testing.T) {
	ctx := context.Background()
	dsn := freshSchema(t)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	migratedTo(t, conn, 6)
	for i, tags := range []string{`["billing","vip"]`, ``, `["vip"]`} {
		_, err = conn.Exec(ctx, `INSERT INTO cc_tickets (workspace, id, number, contact_id, subject, status, priority, tags, opened_at, closed_at, version)
			VALUES ('w', $1, $2, 'k', '', 1, 0, $3, 0, 0, 1)`, fmt.Sprint("t", i), i+1, tags)
		require.NoError(t, err)
		_, err = conn.Exec(ctx, `INSERT INTO cc_conversations (workspace, id, ticket_id, ticket_number, channel, contact_id, contact_external_id, state, priority,
			assignee, team, waiting_since, opened_at, last_activity, closed_at, close_reason, closed_by, note_category, note_summary, version)
			VALUES ('w', $1, $2, $3, 'ch', 'k', 'x', 2, 0, '', '', 0, $4, 0, 0, '', '', '', '', 1)`, fmt.Sprint("cv", i), fmt.Sprint("t", i), i+1, i+1)
		require.NoError(t, err)
	}

	s := open(t, dsn)
	defer s.Close()
	for tag, want := range map[string][]conversation.ID{"vip": {"cv0", "cv2"}, "billing": {"cv0"}} {
		require.NoError(t, s.View(ctx, func(tx store.Tx) error {
			page, _, err := tx.Conversations(ctx, "w", store.ConversationFilter{Tag: tag})
			require.NoError(t, err)
			var got []conversation.ID
			for _, c := range page {
				got = append(got, c.ID)
			}
			assert.Equal(t, want, got, tag)
			return nil
		}))
	}
}
