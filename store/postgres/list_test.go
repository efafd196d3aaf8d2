package postgres_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
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
	large := 1_000_000
	if v := os.Getenv("CC_LIST_ROWS"); v != "" {
		var err error
		large, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	sizes := []int{10_000, large}
	stores := make([]*postgres.Store, len(sizes))
	var seeded []string
	for i, n := range sizes {
		stores[i] = open(b, freshSchema(b))
		b.Cleanup(func() { stores[i].Close() })
		start := time.Now()
		seedList(b, stores[i].Pool(), "w", n)
		seeded = append(seeded, fmt.Sprintf("%d in %v", n, time.Since(start).Round(time.Millisecond)))
	}
	if b.N > 1 {
		b.Logf("seeded %s", strings.Join(seeded, ", "))
	}
	ctx := context.Background()
	list := func(s *postgres.Store, f store.ConversationFilter) time.Duration {
		ts := make([]time.Duration, 5)
		for i := range ts {
			start := time.Now()
			err := s.View(ctx, func(tx store.Tx) error {
				page, _, err := tx.Conversations(ctx, "w", f)
				if err == nil && len(page) != store.DefaultConversationPage {
					err = fmt.Errorf("page of %d", len(page))
				}
				return err
			})
			ts[i] = time.Since(start)
			require.NoError(b, err)
		}
		slices.Sort(ts)
		return ts[len(ts)/2]
	}
	times := make([][][]time.Duration, len(listFilters)) // filter, size, iteration
	for i := range times {
		times[i] = make([][]time.Duration, len(sizes))
	}
	b.ResetTimer()
	for range b.N {
		for i, lf := range listFilters {
			for j, s := range stores {
				times[i][j] = append(times[i][j], list(s, lf.f))
			}
		}
	}
	b.StopTimer()
	if b.N == 1 {
		return // the run that sizes b.N: -benchtime=7x runs again with 7
	}
	worst := 0.0
	for i, lf := range listFilters {
		var meds [2]time.Duration
		var spread [2]string
		for j := range sizes {
			ts := slices.Clone(times[i][j])
			slices.Sort(ts)
			meds[j] = ts[len(ts)/2]
			spread[j] = fmt.Sprintf("%v/%v/%v", ts[0].Round(time.Microsecond), meds[j].Round(time.Microsecond), ts[len(ts)-1].Round(time.Microsecond))
		}
		ratio := float64(meds[1]) / float64(meds[0])
		worst = max(worst, ratio)
		b.Logf("%-10s %d rows min/med/max %s, %d rows %s, ratio of medians %.2f", lf.name, sizes[0], spread[0], sizes[1], spread[1], ratio)
		b.ReportMetric(ratio, "ratio-"+lf.name)
	}
	b.ReportMetric(worst, "worst-ratio")
}
