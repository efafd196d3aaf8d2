package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/internal/sizebench"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
	"github.com/telenet/contactcenter/store/sqlite"
)

// listBase is the opening time of the first seeded conversation; the
// others open a second apart.
var listBase = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// seedList inserts n conversations into workspace ws in one statement,
// each with its own contact and ticket: a third closed, a third assigned
// (to one of 50 agents), a third waiting; ten teams, four channels, and
// the tickets of every fifth tagged "vip".
func seedList(tb testing.TB, db *sql.DB, ws string, n int) {
	tb.Helper()
	base := listBase.UnixMicro()
	_, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
		INSERT INTO cc_conversations (workspace, id, ticket_id, ticket_number, channel, contact_id, contact_external_id, state, priority,
			assignee, team, waiting_since, abandoned, opened_at, last_activity, closed_at, close_reason, closed_by, note_category, note_summary, out_of_hours_until, version)
		SELECT ?, printf('cv-%08d', i), printf('t-%08d', i), i + 1, 'ch-' || (i % 4), printf('k-%08d', i), 'x',
			CASE WHEN i % 3 = 0 THEN 2 ELSE 1 END, 0,
			CASE WHEN i % 3 = 1 THEN 'agent-' || (i % 50) ELSE '' END, 'team-' || (i % 10),
			CASE WHEN i % 3 = 2 THEN ? + i * 1000000 ELSE 0 END, 0, ? + i * 1000000, ? + i * 1000000,
			CASE WHEN i % 3 = 0 THEN ? + i * 1000000 + 60000000 ELSE 0 END, '', '', '', '', 0, 1
		FROM n`, n, ws, base, base, base, base)
	require.NoError(tb, err)
	_, err = db.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
		INSERT INTO cc_ticket_tags (workspace, ticket_id, tag) SELECT ?, printf('t-%08d', i), 'vip' FROM n WHERE i % 5 = 0`, n, ws)
	require.NoError(tb, err)
}

// listFilters are the filters whose plans and costs are checked, each
// matching a fixed share of the seeded rows.
var listFilters = []struct {
	name  string
	index string // the index the plan must use
	f     store.ConversationFilter
}{
	{"none", "cc_conversations_list", store.ConversationFilter{}},
	{"state", "cc_conversations_list_state", store.ConversationFilter{State: conversation.Open}},
	{"assignee", "cc_conversations_list_assignee", store.ConversationFilter{Assignee: "agent-7"}},
	{"team", "cc_conversations_list_team", store.ConversationFilter{Team: "team-3"}},
	{"channel", "cc_conversations_list_channel", store.ConversationFilter{Channel: "ch-2"}},
	{"tag", "cc_ticket_tags", store.ConversationFilter{Tag: "vip"}},
	{"waiting", "cc_conversations_list", store.ConversationFilter{WaitingBefore: listBase.Add(1000 * time.Hour)}},
	{"state+team", "cc_conversations_list_", store.ConversationFilter{State: conversation.Open, Team: "team-3"}},
}

func openRaw(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// Every filter of the conversation list is a search of an index, in the
// list's order: no scan of the table and no sort (EXPLAIN QUERY PLAN, on
// a store without statistics, as SQLite keeps none until ANALYZE).
func TestConversationListUsesIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	defer s.Close()
	db := openRaw(t, path)
	seedList(t, db, "w", 2000)
	q := sqlstore.NewStatements(sqlstore.Question)
	for _, lf := range listFilters {
		for _, after := range []store.ConversationCursor{"", store.ConversationPosition(conversation.Conversation{ID: "cv-00000100", OpenedAt: listBase.Add(100 * time.Second)})} {
			f, err := lf.f.Normalize()
			require.NoError(t, err)
			f.After = after
			query, args := q.ConversationsQuery("w", f)
			plan := queryPlan(t, db, query, args...)
			if after == "" {
				t.Logf("%s:\n%s", lf.name, strings.Join(plan, "\n"))
			}
			assertIndexed(t, lf.name, lf.index, plan)
		}
	}
}

// A ticket's tags stored before migration 0007 are copied into
// cc_ticket_tags when it runs, so that the tag filter finds them.
func TestMigration0007BackfillsTags(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	migratedTo(t, raw, 6)
	for i, tags := range []string{`["billing","vip"]`, ``, `["vip"]`} {
		_, err = raw.Exec(`INSERT INTO cc_tickets (workspace, id, number, contact_id, subject, status, priority, tags, opened_at, closed_at, version)
			VALUES ('w', ?, ?, 'k', '', 1, 0, ?, 0, 0, 1)`, fmt.Sprint("t", i), i+1, tags)
		require.NoError(t, err)
		_, err = raw.Exec(`INSERT INTO cc_conversations (workspace, id, ticket_id, ticket_number, channel, contact_id, contact_external_id, state, priority,
			assignee, team, waiting_since, opened_at, last_activity, closed_at, close_reason, closed_by, note_category, note_summary, version)
			VALUES ('w', ?, ?, ?, 'ch', 'k', 'x', 2, 0, '', '', 0, ?, 0, 0, '', '', '', '', 1)`, fmt.Sprint("cv", i), fmt.Sprint("t", i), i+1, i+1)
		require.NoError(t, err)
	}
	require.NoError(t, raw.Close())

	s := open(t, path)
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

// BenchmarkConversationList lists the first 50 conversations of each
// filter of listFilters on a store of 10,000 and one of
// $CC_LIST_ROWS (1,000,000 by default) conversations, interleaved: each
// iteration times every filter on both stores (the median of 5 calls),
// and the metrics are the ratio large/small of each filter's median over
// iterations. Run with -benchtime=7x (at least 2x), say.
func BenchmarkConversationList(b *testing.B) {
	sizes := sizebench.Sizes(b, "CC_LIST_ROWS")
	stores := sizebench.Seed(b, sizes, func(n int) *sqlite.Store {
		path := filepath.Join(b.TempDir(), "cc.db")
		s := open(b, path)
		b.Cleanup(func() { s.Close() })
		seedList(b, openRaw(b, path), "w", n)
		return s
	})
	cases := make([]sizebench.Case, len(listFilters))
	for i, lf := range listFilters {
		cases[i] = sizebench.ListCase(lf.name, lf.f)
	}
	sizebench.Compare(b, stores, sizes, "rows", cases)
}
