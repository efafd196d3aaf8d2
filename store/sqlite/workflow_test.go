package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
)

// runsBase is the start time of the first seeded run.
var runsBase = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// seedRuns inserts n workflow runs into workspace ws in one statement:
// 20 workflows, 10 runs per conversation, every tenth about none and
// every tenth open, two by two started at the same instant.
func seedRuns(tb testing.TB, db *sql.DB, ws string, n int) {
	tb.Helper()
	_, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
		INSERT INTO cc_workflow_runs (workspace, id, workflow, conversation, open, started_at, version, body)
		SELECT ?, printf('run-%08d', i), 'wf-' || (i % 20), CASE WHEN i % 10 = 9 THEN '' ELSE printf('cv-%06d', i % (? / 10)) END,
			i % 10 = 0, ? + (i / 2) * 1000000000, 1, x'' FROM n`, n, ws, n, runsBase.UnixNano())
	require.NoError(tb, err)
}

// runFilters are the filters of WorkflowRuns whose plans are checked,
// with the index each must use.
var runFilters = []struct {
	name  string
	index string
	f     store.RunFilter
}{
	{"none", "cc_workflow_runs_by_started", store.RunFilter{}},
	{"workflow", "cc_workflow_runs_by_workflow", store.RunFilter{Workflow: "wf-3"}},
	{"conversation", "cc_workflow_runs_by_conversation", store.RunFilter{Conversation: "cv-000042"}},
	{"open of a conversation", "cc_workflow_runs_open", store.RunFilter{Conversation: "cv-000040", OpenOnly: true}},
	{"open", "cc_workflow_runs_by_started", store.RunFilter{OpenOnly: true}},
	{"workflow and conversation", "cc_workflow_runs_by_", store.RunFilter{Workflow: "wf-2", Conversation: "cv-000042"}},
	{"all three", "cc_workflow_runs_", store.RunFilter{Workflow: "wf-0", Conversation: "cv-000040", OpenOnly: true}},
}

// Every filter of WorkflowRuns is a search of an index in the order of
// the pages, newest first: no scan of the table and no sort (EXPLAIN
// QUERY PLAN, without statistics), on the first page and after a cursor.
func TestWorkflowRunsUseIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	defer s.Close()
	db := openRaw(t, path)
	seedRuns(t, db, "w", 20_000)
	seedRuns(t, db, "other", 2_000)
	q := sqlstore.NewStatements(sqlstore.Question)
	after := store.RunPosition(store.WorkflowRun{ID: "run-00010001", StartedAt: runsBase.Add(5000 * time.Second)})
	for _, rf := range runFilters {
		for _, cursor := range []store.RunCursor{"", after} {
			f, err := rf.f.Normalize()
			require.NoError(t, err)
			f.After = cursor
			query, args, ok := q.WorkflowRunsQuery("w", f)
			require.True(t, ok)
			plan := queryPlan(t, db, query, args...)
			if cursor == "" {
				t.Logf("%s:\n%s", rf.name, strings.Join(plan, "\n"))
			}
			assertIndexed(t, rf.name, rf.index, plan)
		}
	}
	// The reads of one run and of its version use the primary key.
	for _, query := range []string{
		`SELECT * FROM cc_workflow_runs WHERE workspace = ? AND id = ?`,
		`SELECT version FROM cc_workflow_runs WHERE workspace = ? AND id = ?`,
	} {
		assertIndexed(t, query, "sqlite_autoindex_cc_workflow_runs", queryPlan(t, db, query, "w", "run-00000001"))
	}
}

// Start times are kept in nanoseconds since the epoch: one outside their
// range is refused (store.ErrRejected) rather than stored as another
// time, and the transaction stores nothing. A cursor whose time lies
// outside that range is malformed for the store.
func TestWorkflowRunStartOutOfRange(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	defer s.Close()
	ok := time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), {}} {
		err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.CreateWorkflowRun(ctx, store.WorkflowRun{Workspace: "w", ID: "fine", Workflow: "wf", StartedAt: ok, Version: 1}); err != nil {
				return err
			}
			return tx.CreateWorkflowRun(ctx, store.WorkflowRun{Workspace: "w", ID: "far", Workflow: "wf", StartedAt: at, Version: 1})
		})
		assert.ErrorIs(t, err, store.ErrRejected, "%v", at)
	}
	require.NoError(t, s.View(ctx, func(tx store.Tx) error {
		_, err := tx.WorkflowRun(ctx, "w", "fine")
		assert.ErrorIs(t, err, store.ErrNotFound, "rolled back with the refused run")
		_, _, err = tx.WorkflowRuns(ctx, "w", store.RunFilter{After: store.RunPosition(store.WorkflowRun{ID: "x", StartedAt: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)})})
		assert.ErrorIs(t, err, conversation.ErrInvalid)
		return nil
	}))
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateWorkflowRun(ctx, store.WorkflowRun{Workspace: "w", ID: "fine", Workflow: "wf", StartedAt: ok, Version: 1})
	}))
	require.NoError(t, s.View(ctx, func(tx store.Tx) error {
		r, err := tx.WorkflowRun(ctx, "w", "fine")
		require.NoError(t, err)
		assert.True(t, ok.Equal(r.StartedAt))
		return nil
	}))
}
