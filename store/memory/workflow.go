package memory

import (
	"bytes"
	"context"
	"slices"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// cloneRun returns r with its own body; an empty body is nil.
func cloneRun(r store.WorkflowRun) store.WorkflowRun {
	if len(r.Body) == 0 {
		r.Body = nil
	} else {
		r.Body = bytes.Clone(r.Body)
	}
	return r
}

func (t *tx) CreateWorkflowRun(ctx context.Context, r store.WorkflowRun) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if err := checkNew("workflow run", r.ID, r.Version); err != nil {
		return err
	}
	k := key[string]{r.Workspace, r.ID}
	if _, ok := t.s.runs.get(k); ok {
		return duplicate("workflow run", r.ID)
	}
	t.s.runs.set(k, cloneRun(r))
	if r.Conversation != "" {
		ck := key[conversation.ID]{r.Workspace, r.Conversation}
		ids, _ := t.s.convRuns.get(ck)
		t.s.convRuns.set(ck, append(slices.Clip(ids), r.ID))
	}
	return nil
}

// UpdateWorkflowRun keeps the run's Workflow, Conversation and StartedAt
// as created, as the SQL stores do.
func (t *tx) UpdateWorkflowRun(ctx context.Context, r store.WorkflowRun) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	k := key[string]{r.Workspace, r.ID}
	old, ok := t.s.runs.get(k)
	switch {
	case !ok:
		return errNotFound
	case old.Version != r.Version-1:
		return conflict("workflow run", r.ID, old.Version, r.Version)
	}
	next := old
	next.Open, next.Version, next.Body = r.Open, r.Version, r.Body
	t.s.runs.replace(k, cloneRun(next), old, ok)
	return nil
}

func (t *tx) WorkflowRun(ctx context.Context, ws ticket.WorkspaceID, id string) (store.WorkflowRun, error) {
	if err := t.check(ctx, false); err != nil {
		return store.WorkflowRun{}, err
	}
	r, ok := t.s.runs.get(key[string]{ws, id})
	if !ok {
		return store.WorkflowRun{}, errNotFound
	}
	return cloneRun(r), nil
}

// WorkflowRuns reads the runs of a conversation through their index, and
// the others by a scan of every run.
func (t *tx) WorkflowRuns(ctx context.Context, ws ticket.WorkspaceID, f store.RunFilter) ([]store.WorkflowRun, store.RunCursor, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, "", err
	}
	f, err := f.Normalize()
	if err != nil {
		return nil, "", err
	}
	at, id, after, _ := f.After.Position()
	cursor := store.WorkflowRun{StartedAt: at, ID: id}
	var out []store.WorkflowRun
	add := func(r store.WorkflowRun) {
		if f.Match(r) && (!after || store.RunBefore(cursor, r)) {
			out = append(out, r)
		}
	}
	if f.Conversation != "" {
		ids, _ := t.s.convRuns.get(key[conversation.ID]{ws, f.Conversation})
		for _, id := range ids {
			r, _ := t.s.runs.get(key[string]{ws, id})
			add(r)
		}
	} else {
		for k, r := range t.s.runs.m {
			if k.ws == ws {
				add(r)
			}
		}
	}
	slices.SortFunc(out, func(a, b store.WorkflowRun) int {
		if store.RunBefore(a, b) {
			return -1
		}
		return 1
	})
	var next store.RunCursor
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = store.RunPosition(out[len(out)-1])
	}
	for i := range out {
		out[i] = cloneRun(out[i])
	}
	return out, next, nil
}
