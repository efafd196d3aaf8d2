package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

const runCols = `workspace, id, workflow, conversation, open, started_at, version, body`

type runStatements struct {
	run, version, create, update string
}

func newRunStatements(p Placeholders) runStatements {
	s := runStatements{
		run:     `SELECT ` + runCols + ` FROM cc_workflow_runs WHERE workspace = ? AND id = ?`,
		version: `SELECT version FROM cc_workflow_runs WHERE workspace = ? AND id = ?`,
		// Both writes answer a row when they wrote, so that the caller
		// learns at once whether the run was a duplicate or its version
		// stale, and no failed statement ends the transaction.
		create: `INSERT INTO cc_workflow_runs (` + runCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace, id) DO NOTHING RETURNING 1`,
		update: `UPDATE cc_workflow_runs SET open = ?, version = ?, body = ? WHERE workspace = ? AND id = ? AND version = ? RETURNING 1`,
	}
	for _, q := range []*string{&s.run, &s.version, &s.create, &s.update} {
		*q = Rebind(p, *q)
	}
	return s
}

func scanRun(r Rows) (store.WorkflowRun, error) {
	var run store.WorkflowRun
	var ws, conv string
	var started int64
	if err := r.Scan(&ws, &run.ID, &run.Workflow, &conv, &run.Open, &started, &run.Version, &run.Body); err != nil {
		return run, err
	}
	run.Workspace, run.Conversation, run.StartedAt = ticket.WorkspaceID(ws), conversation.ID(conv), FromNanos(started)
	if len(run.Body) == 0 {
		run.Body = nil
	}
	return run, nil
}

// runNanos encodes a run's start time as Nanos, refusing one that
// nanoseconds since the epoch cannot hold (before 1678 or after 2262).
func runNanos(at time.Time) (int64, bool) {
	ns := Nanos(at)
	return ns, FromNanos(ns).Equal(at)
}

// write1 runs a statement that answers a row when it wrote, at once (with
// the writes waiting before it), and reports whether it wrote.
func (t *Tx) write1(ctx context.Context, sql string, args ...any) (bool, error) {
	if t.done {
		return false, errEnded
	}
	if !t.write {
		return false, errReadOnly
	}
	var one int64
	err := t.one(ctx, func(r Rows) error { return r.Scan(&one) }, sql, args...)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// CreateWorkflowRun implements store.Tx. A start time that nanoseconds
// since the epoch cannot hold is refused with store.ErrRejected.
func (t *Tx) CreateWorkflowRun(ctx context.Context, r store.WorkflowRun) error {
	if err := checkNew(r.Version); err != nil {
		return err
	}
	started, ok := runNanos(r.StartedAt)
	if !ok {
		return fmt.Errorf("sql store: workflow run %q started at %v: out of the range of nanoseconds since 1970: %w", r.ID, r.StartedAt, store.ErrRejected)
	}
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	wrote, err := t.write1(ctx, t.q.run.create, r.Workspace, r.ID, r.Workflow, r.Conversation, r.Open, started, r.Version, body)
	if err != nil {
		return err
	}
	if !wrote {
		return fmt.Errorf("workflow run %q: %w", r.ID, store.ErrDuplicate)
	}
	return nil
}

// UpdateWorkflowRun implements store.Tx. It writes the run's Open, Version
// and Body; the other columns stay as created. When no row had the
// version named it reads the stored one, to tell ErrNotFound from
// ErrConflict.
func (t *Tx) UpdateWorkflowRun(ctx context.Context, r store.WorkflowRun) error {
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	wrote, err := t.write1(ctx, t.q.run.update, r.Open, r.Version, body, r.Workspace, r.ID, r.Version-1)
	if err != nil || wrote {
		return err
	}
	var stored int64
	if err := t.one(ctx, func(rs Rows) error { return rs.Scan(&stored) }, t.q.run.version, r.Workspace, r.ID); err != nil {
		return err
	}
	return fmt.Errorf("workflow run %q: stored version %d, update from %d: %w", r.ID, stored, r.Version-1, store.ErrConflict)
}

// WorkflowRun implements store.Tx.
func (t *Tx) WorkflowRun(ctx context.Context, ws ticket.WorkspaceID, id string) (store.WorkflowRun, error) {
	return one(ctx, t, scanRun, t.q.run.run, ws, id)
}

// WorkflowRunsQuery returns the statement and arguments of WorkflowRuns
// for a normalized filter: a backward range of the index of its filters
// (cc_workflow_runs_by_started, _by_workflow, _by_conversation, and
// cc_workflow_runs_open for the open runs of a conversation), one row
// more than asked, to tell whether another page follows. ok is false for
// a cursor whose time no stored run can have (out of the range of
// Nanos). The EXPLAIN tests of the stores read it.
func (q *Statements) WorkflowRunsQuery(ws ticket.WorkspaceID, f store.RunFilter) (sql string, args []any, ok bool) {
	var b strings.Builder
	b.WriteString(`SELECT ` + runCols + ` FROM cc_workflow_runs WHERE workspace = ?`)
	args = []any{string(ws)}
	if f.Workflow != "" {
		b.WriteString(` AND workflow = ?`)
		args = append(args, f.Workflow)
	}
	if f.Conversation != "" {
		b.WriteString(` AND conversation = ?`)
		args = append(args, string(f.Conversation))
	}
	if f.OpenOnly {
		b.WriteString(` AND open`)
	}
	if at, id, after, _ := f.After.Position(); after {
		ns, in := runNanos(at)
		if !in {
			return "", nil, false
		}
		b.WriteString(` AND (started_at, id) < (?, ?)`)
		args = append(args, ns, id)
	}
	b.WriteString(` ORDER BY started_at DESC, id DESC LIMIT ?`)
	args = append(args, int64(f.Limit+1))
	return Rebind(q.p, b.String()), args, true
}

// WorkflowRuns implements store.Tx.
func (t *Tx) WorkflowRuns(ctx context.Context, ws ticket.WorkspaceID, f store.RunFilter) ([]store.WorkflowRun, store.RunCursor, error) {
	if err := t.query(ctx); err != nil {
		return nil, "", err
	}
	f, err := f.Normalize()
	if err != nil {
		return nil, "", err
	}
	sql, args, ok := t.q.WorkflowRunsQuery(ws, f)
	if !ok {
		return nil, "", fmt.Errorf("%w: workflow run cursor out of the range of the store's times", conversation.ErrInvalid)
	}
	out, err := queryAll(ctx, t.c, scanRun, sql, args...)
	if err != nil {
		return nil, "", err
	}
	var next store.RunCursor
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = store.RunPosition(out[len(out)-1])
	}
	return out, next, nil
}
