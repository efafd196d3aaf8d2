package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
)

// A page of the queue by group (store.QueuePager) reads each group's
// range of cc_conversations_queue_groups, from its head or after a
// position, with no sequential scan (EXPLAIN on 50,000 analyzed rows, a
// tenth at low priority, with the planner's settings as they are): its cost is what it reads, whatever
// waits in other groups or before the position. The ranges come in the
// index's order and are merged.
func TestQueuePageUsesIndex(t *testing.T) {
	s := open(t, freshSchema(t))
	defer s.Close()
	seedList(t, s.Pool(), "w", 50_000)
	// A tenth of the waiting at low priority, so that the lower priorities
	// after a position are rows to read, as in service.
	_, err := s.Pool().Exec(context.Background(), `UPDATE cc_conversations SET priority = -1 WHERE id LIKE '%3'; ANALYZE cc_conversations`)
	require.NoError(t, err)
	q := sqlstore.NewStatements(sqlstore.Dollar)
	groups := []store.QueueGroup{{Channel: "ch-1", Team: "team-3"}, {Channel: "ch-2", Team: "team-4", Abandoned: true}}
	for _, after := range []store.QueuePosition{{}, {WaitingSince: listBase, ID: "cv-00000100"}} {
		p, err := store.QueuePage{Groups: groups, After: after, Limit: 200}.Normalize()
		require.NoError(t, err)
		query, args := q.QueuePageQuery("w", p)
		plan := explain(t, s, query, args...)
		t.Logf("after %v:\n%s", after, plan)
		parts := len(groups)
		if after.ID != "" {
			parts *= 2
		}
		assert.Equal(t, parts, strings.Count(plan, "cc_conversations_queue_groups"), "a range of the index per group and range:\n%s", plan)
		assert.NotContains(t, plan, "Seq Scan", plan)
		assert.NotContains(t, plan, "Bitmap", "read in the index's order:\n%s", plan)
	}
}

// The whole queue (Tx.Queue) reads cc_conversations_queue in its order,
// with no sequential scan and no sort (EXPLAIN on 50,000 analyzed rows):
// the index leaves out the conversations a bot holds (R2), as the
// statement does.
func TestQueueUsesIndex(t *testing.T) {
	s := open(t, freshSchema(t))
	defer s.Close()
	seedList(t, s.Pool(), "w", 50_000)
	_, err := s.Pool().Exec(context.Background(), `ANALYZE cc_conversations`)
	require.NoError(t, err)
	q := sqlstore.NewStatements(sqlstore.Dollar)
	plan := explain(t, s, q.QueueQuery(), "w", 50)
	t.Log(plan)
	assertIndexScan(t, "queue", "Index Scan", "cc_conversations_queue ", plan)
}
