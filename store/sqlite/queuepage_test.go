package sqlite_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
)

// A page of the queue by group (store.QueuePager) reads each group's
// range of cc_conversations_queue_groups, from its head or after a
// position, in the index's order, and scans no table: its cost is what it
// reads, whatever waits in other groups or before the position. What is
// sorted is only the rows each range gave (at most the page's limit), for
// the merge.
func TestQueuePageUsesIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	defer s.Close()
	db := openRaw(t, path)
	seedList(t, db, "w", 2000)
	q := sqlstore.NewStatements(sqlstore.Question)
	groups := []store.QueueGroup{{Channel: "ch-1", Team: "team-3"}, {Channel: "ch-2", Team: "team-4", Abandoned: true}}
	for _, after := range []store.QueuePosition{{}, {WaitingSince: listBase, ID: "cv-00000100"}} {
		p, err := store.QueuePage{Groups: groups, After: after, Limit: 200}.Normalize()
		assert.NoError(t, err)
		query, args := q.QueuePageQuery("w", p)
		plan := queryPlan(t, db, query, args...)
		text := strings.Join(plan, "\n")
		searches := 0
		for i, line := range plan {
			switch {
			case strings.HasPrefix(line, "SCAN cc_conversations"):
				t.Errorf("after %v: %q in plan:\n%s", after, line, text)
			case strings.HasPrefix(line, "SEARCH cc_conversations"):
				assert.Contains(t, line, "cc_conversations_queue_groups", "after %v:\n%s", after, text)
				searches++
			case strings.Contains(line, "TEMP B-TREE"):
				// The limited rows of a range (SCAN of its subquery g…),
				// not the index's.
				assert.True(t, i > 0 && strings.HasPrefix(plan[i-1], "SCAN g"), "after %v: %q sorts the table's rows:\n%s", after, line, text)
			}
		}
		parts := len(groups)
		if after.ID != "" {
			parts *= 2
		}
		assert.Equal(t, parts, searches, "a search per group and range:\n%s", text)
	}
}

// The whole queue (Tx.Queue) reads cc_conversations_queue in its order,
// with no scan of the table and no sort: the index leaves out the
// conversations a bot holds (R2), as the statement does.
func TestQueueUsesIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	defer s.Close()
	db := openRaw(t, path)
	seedList(t, db, "w", 2000)
	q := sqlstore.NewStatements(sqlstore.Question)
	plan := queryPlan(t, db, q.QueueQuery(), "w", 50)
	t.Log(plan)
	assertIndexed(t, "queue", "cc_conversations_queue ", plan)
}
