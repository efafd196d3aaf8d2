package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/internal/sizebench"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
	"github.com/telenet/contactcenter/store/postgres"
)

// listBase is the opening time of the first seeded conversation; the
// others open a second apart.
var listBase = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// seedList inserts n conversations into workspace ws in one statement,
// each with its own contact and ticket: a third closed, a third assigned
// (to one of 50 agents), a third waiting; ten teams, four channels, and
// the tickets of every fifth tagged "vip". It then analyzes the tables,
// as a database in service has its statistics.
func seedList(tb testing.TB, pool *pgxpool.Pool, ws string, n int) {
	tb.Helper()
	ctx := context.Background()
	base := listBase.UnixMicro()
	_, err := pool.Exec(ctx, `INSERT INTO cc_conversations (workspace, id, ticket_id, ticket_number, channel, contact_id, contact_external_id, state, priority,
			assignee, team, waiting_since, abandoned, opened_at, last_activity, closed_at, close_reason, closed_by, note_category, note_summary, out_of_hours_until, version)
		SELECT $2, 'cv-' || lpad(i::text, 8, '0'), 't-' || lpad(i::text, 8, '0'), i + 1, 'ch-' || (i % 4), 'k-' || lpad(i::text, 8, '0'), 'x',
			CASE WHEN i % 3 = 0 THEN 2 ELSE 1 END, 0,
			CASE WHEN i % 3 = 1 THEN 'agent-' || (i % 50) ELSE '' END, 'team-' || (i % 10),
			CASE WHEN i % 3 = 2 THEN $3::bigint + i * 1000000 ELSE 0 END, false, $3::bigint + i * 1000000, $3::bigint + i * 1000000,
			CASE WHEN i % 3 = 0 THEN $3::bigint + i * 1000000 + 60000000 ELSE 0 END, '', '', '', '', 0, 1
		FROM generate_series(0, $1::bigint - 1) i`, n, ws, base)
	require.NoError(tb, err)
	_, err = pool.Exec(ctx, `INSERT INTO cc_ticket_tags (workspace, ticket_id, tag)
		SELECT $2, 't-' || lpad(i::text, 8, '0'), 'vip' FROM generate_series(0, $1::bigint - 1) i WHERE i % 5 = 0`, n, ws)
	require.NoError(tb, err)
	_, err = pool.Exec(ctx, `ANALYZE cc_conversations; ANALYZE cc_ticket_tags`)
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

// Every filter of the conversation list is an index scan in the list's
// order: no sequential scan and no sort (EXPLAIN on 50,000 analyzed rows,
// with the planner's settings as they are).
func TestConversationListUsesIndexes(t *testing.T) {
	s := open(t, freshSchema(t))
	defer s.Close()
	seedList(t, s.Pool(), "w", 50_000)
	seedList(t, s.Pool(), "other", 5_000)
	q := sqlstore.NewStatements(sqlstore.Dollar)
	for _, lf := range listFilters {
		for _, after := range []store.ConversationCursor{"", store.ConversationPosition(conversation.Conversation{ID: "cv-00000100", OpenedAt: listBase.Add(100 * time.Second)})} {
			f, err := lf.f.Normalize()
			require.NoError(t, err)
			f.After = after
			query, args := q.ConversationsQuery("w", f)
			plan := explain(t, s, query, args...)
			if after == "" {
				t.Logf("%s:\n%s", lf.name, plan)
			}
			assertIndexScan(t, lf.name, "Index", lf.index, plan)
		}
	}
}

// BenchmarkConversationList lists the first 50 conversations of each
// filter of listFilters in a schema of 10,000 and one of $CC_LIST_ROWS
// (1,000,000 by default) conversations, interleaved: each iteration times
// every filter on both stores (the median of 5 calls), and the metrics are
// the ratio large/small of each filter's median over iterations. Run with
// -benchtime=7x (at least 2x), say.
func BenchmarkConversationList(b *testing.B) {
	sizes := sizebench.Sizes(b, "CC_LIST_ROWS")
	stores := sizebench.Seed(b, sizes, func(n int) *postgres.Store {
		s := open(b, freshSchema(b))
		b.Cleanup(func() { s.Close() })
		seedList(b, s.Pool(), "w", n)
		return s
	})
	cases := make([]sizebench.Case, len(listFilters))
	for i, lf := range listFilters {
		cases[i] = sizebench.ListCase(lf.name, lf.f)
	}
	sizebench.Compare(b, stores, sizes, "rows", cases)
}
