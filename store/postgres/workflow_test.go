package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
)

// runsBase is the start time of the first seeded run.
var runsBase = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// seedRuns inserts n workflow runs into workspace ws in one statement:
// 20 workflows, 10 runs per conversation, every tenth about none and
// every tenth open, two by two started at the same instant. It then
// analyzes the table, as a database in service has its statistics.
func seedRuns(tb testing.TB, pool *pgxpool.Pool, ws string, n int) {
	tb.Helper()
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO cc_workflow_runs (workspace, id, workflow, conversation, open, started_at, version, body)
		SELECT $2, 'run-' || lpad(i::text, 8, '0'), 'wf-' || (i % 20),
			CASE WHEN i % 10 = 9 THEN '' ELSE 'cv-' || lpad((i % ($1::bigint / 10))::text, 6, '0') END,
			i % 10 = 0, $3::bigint + (i / 2) * 1000000000, 1, ''::bytea
		FROM generate_series(0, $1::bigint - 1) i`, n, ws, runsBase.UnixNano())
	require.NoError(tb, err)
	_, err = pool.Exec(ctx, `ANALYZE cc_workflow_runs`)
	require.NoError(tb, err)
}

// Every filter of WorkflowRuns is an index scan in the order of the
// pages, newest first: no sequential scan and no sort (EXPLAIN on 50,000
// analyzed rows), on the first page and after a cursor. The runs of one
// conversation are few: with some samples of the statistics the planner
// reads them all from the conversation's index and sorts them, which it
// may.
func TestWorkflowRunsUseIndexes(t *testing.T) {
	s := open(t, freshSchema(t))
	defer s.Close()
	seedRuns(t, s.Pool(), "w", 50_000)
	seedRuns(t, s.Pool(), "other", 5_000)
	q := sqlstore.NewStatements(sqlstore.Dollar)
	after := store.RunPosition(store.WorkflowRun{ID: "run-00010001", StartedAt: runsBase.Add(5000 * time.Second)})
	for _, rf := range []struct {
		name  string
		index string
		f     store.RunFilter
	}{
		{"none", "cc_workflow_runs_by_started", store.RunFilter{}},
		{"workflow", "cc_workflow_runs_by_workflow", store.RunFilter{Workflow: "wf-3"}},
		{"conversation", "cc_workflow_runs_by_conversation", store.RunFilter{Conversation: "cv-000042"}},
		{"open of a conversation", "cc_workflow_runs_open", store.RunFilter{Conversation: "cv-000040", OpenOnly: true}},
		{"open", "cc_workflow_runs_", store.RunFilter{OpenOnly: true}},
		{"workflow and conversation", "cc_workflow_runs_by_", store.RunFilter{Workflow: "wf-2", Conversation: "cv-000042"}},
		{"all three", "cc_workflow_runs_", store.RunFilter{Workflow: "wf-0", Conversation: "cv-000040", OpenOnly: true}},
	} {
		for _, cursor := range []store.RunCursor{"", after} {
			f, err := rf.f.Normalize()
			require.NoError(t, err)
			f.After = cursor
			query, args, ok := q.WorkflowRunsQuery("w", f)
			require.True(t, ok)
			plan := explain(t, s, query, args...)
			if cursor == "" {
				t.Logf("%s:\n%s", rf.name, plan)
			}
			if f.Conversation != "" && strings.Contains(plan, "Sort") {
				assert.Contains(t, plan, rf.index, "%s:\n%s", rf.name, plan)
				assert.NotContains(t, plan, "Seq Scan", "%s:\n%s", rf.name, plan)
				continue
			}
			assertIndexScan(t, rf.name, "Index", rf.index, plan)
		}
	}
	for _, query := range []string{
		`SELECT * FROM cc_workflow_runs WHERE workspace = $1 AND id = $2`,
		`SELECT version FROM cc_workflow_runs WHERE workspace = $1 AND id = $2`,
	} {
		assertIndexScan(t, query, "Index", "cc_workflow_runs_pkey", explain(t, s, query, "w", "run-00000001"))
	}
}

// A start time outside the range of nanoseconds since the epoch is
// refused (store.ErrRejected) and its transaction stores nothing.
func TestWorkflowRunStartOutOfRange(t *testing.T) {
	ctx := context.Background()
	s := open(t, freshSchema(t))
	defer s.Close()
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateWorkflowRun(ctx, store.WorkflowRun{Workspace: "w", ID: "fine", Workflow: "wf", StartedAt: runsBase, Version: 1}); err != nil {
			return err
		}
		return tx.CreateWorkflowRun(ctx, store.WorkflowRun{Workspace: "w", ID: "far", Workflow: "wf", StartedAt: time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC), Version: 1})
	})
	assert.ErrorIs(t, err, store.ErrRejected)
	require.NoError(t, s.View(ctx, func(tx store.Tx) error {
		_, err := tx.WorkflowRun(ctx, "w", "fine")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))
}
