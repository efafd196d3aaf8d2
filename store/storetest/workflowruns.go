package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// testWorkflowRuns: the records of workflow runs (R16) are created at
// version 1 (ErrDuplicate for an id the workspace has), read back as
// stored (an empty body as nil, the start time to the nanosecond), and
// replaced from the version stored: ErrNotFound for a run that does not
// exist, ErrConflict for another version, and either changes nothing; an
// update keeps the workflow, conversation and start time the run was
// created with. WorkflowRuns pages them newest first (StartedAt, then
// ID, descending, so that runs started at the same instant are ordered
// by id across pages), by workflow, by conversation, open only, and the
// three combined; a malformed cursor or a Limit outside 0…MaxRunPage is
// conversation.ErrInvalid. Workspaces do not see each other's runs.
func (h *harness) testWorkflowRuns(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("runs"))
	other := ticket.WorkspaceID(newWorkspace("runs-other"))
	update := func(fn func(tx store.Tx) error) error { return s.Update(ctx(), fn) }
	get := func(ws ticket.WorkspaceID, id string) (r store.WorkflowRun, err error) {
		err = s.View(ctx(), func(tx store.Tx) error { r, err = tx.WorkflowRun(ctx(), ws, id); return err })
		return r, err
	}
	page := func(ws ticket.WorkspaceID, f store.RunFilter) (rs []store.WorkflowRun, next store.RunCursor, err error) {
		err = s.View(ctx(), func(tx store.Tx) error { rs, next, err = tx.WorkflowRuns(ctx(), ws, f); return err })
		return rs, next, err
	}
	// all reads every page of f, checking that each is at most limit long
	// and that only the last has no next cursor.
	all := func(ws ticket.WorkspaceID, f store.RunFilter, limit int) []string {
		t.Helper()
		f.Limit = limit
		var ids []string
		for range 100 {
			rs, next, err := page(ws, f)
			require.NoError(t, err)
			assert.LessOrEqual(t, len(rs), limit)
			for _, r := range rs {
				ids = append(ids, r.ID)
			}
			if next == "" {
				return ids
			}
			assert.Len(t, rs, limit, "a page before the last is full")
			f.After = next
		}
		t.Fatal("paging does not end")
		return nil
	}
	sameRun := func(want, got store.WorkflowRun) {
		t.Helper()
		assert.True(t, want.StartedAt.Equal(got.StartedAt), "started at %v, want %v", got.StartedAt, want.StartedAt)
		want.StartedAt, got.StartedAt = time.Time{}, time.Time{}
		assert.Equal(t, want, got)
	}

	_, err := get(ws, "r1")
	require.ErrorIs(t, err, store.ErrNotFound)
	rs, next, err := page(ws, store.RunFilter{})
	require.NoError(t, err)
	assert.Empty(t, rs)
	assert.Empty(t, next)

	// Create and get; the start time keeps its nanoseconds.
	r1 := store.WorkflowRun{Workspace: ws, ID: "r1", Workflow: "welcome", Conversation: "cv1", Open: true,
		StartedAt: t0.Add(123456789 * time.Nanosecond), Version: 1, Body: []byte(`{"step":"a"}`)}
	require.NoError(t, update(func(tx store.Tx) error { return tx.CreateWorkflowRun(ctx(), r1) }))
	got, err := get(ws, "r1")
	require.NoError(t, err)
	sameRun(r1, got)

	// Duplicate: refused, the stored run unchanged, also inside a
	// transaction that goes on and commits.
	dup := r1
	dup.Workflow, dup.Body = "other", []byte("x")
	require.NoError(t, update(func(tx store.Tx) error {
		err := tx.CreateWorkflowRun(ctx(), dup)
		assert.ErrorIs(t, err, store.ErrDuplicate)
		return nil
	}))
	got, err = get(ws, "r1")
	require.NoError(t, err)
	sameRun(r1, got)

	// Update from the stored version; the columns it was created with stay.
	u := r1
	u.Version, u.Open, u.Body = 2, false, []byte(`{"step":"b"}`)
	u.Workflow, u.Conversation, u.StartedAt = "renamed", "cv9", t0.Add(time.Hour)
	require.NoError(t, update(func(tx store.Tx) error { return tx.UpdateWorkflowRun(ctx(), u) }))
	got, err = get(ws, "r1")
	require.NoError(t, err)
	want := r1
	want.Version, want.Open, want.Body = 2, false, []byte(`{"step":"b"}`)
	sameRun(want, got)
	ids := all(ws, store.RunFilter{Conversation: "cv1"}, 10)
	assert.Equal(t, []string{"r1"}, ids, "still found by the conversation it was created with")
	ids = all(ws, store.RunFilter{Conversation: "cv9"}, 10)
	assert.Empty(t, ids)

	// A stale or future version conflicts, a missing run is not found; the
	// transaction goes on, and the row is as it was.
	require.NoError(t, update(func(tx store.Tx) error {
		for _, v := range []int64{2, 4, 1} {
			stale := want
			stale.Version, stale.Body, stale.Open = v, []byte("stale"), true
			assert.ErrorIs(t, tx.UpdateWorkflowRun(ctx(), stale), store.ErrConflict, "version %d", v)
		}
		missing := want
		missing.ID, missing.Version = "nope", 2
		assert.ErrorIs(t, tx.UpdateWorkflowRun(ctx(), missing), store.ErrNotFound)
		in, err := tx.WorkflowRun(ctx(), ws, "r1")
		assert.NoError(t, err)
		sameRun(want, in)
		return nil
	}))
	got, err = get(ws, "r1")
	require.NoError(t, err)
	sameRun(want, got)
	_, err = get(ws, "nope")
	require.ErrorIs(t, err, store.ErrNotFound)

	// An empty body reads as nil; a run may be about no conversation.
	presence := store.WorkflowRun{Workspace: ws, ID: "p1", Workflow: "presence", Open: true, StartedAt: t0, Version: 1, Body: []byte{}}
	require.NoError(t, update(func(tx store.Tx) error { return tx.CreateWorkflowRun(ctx(), presence) }))
	got, err = get(ws, "p1")
	require.NoError(t, err)
	assert.Nil(t, got.Body)
	assert.Empty(t, got.Conversation)
	presence.Body = nil
	sameRun(presence, got)
	presence.Version, presence.Body = 2, []byte("b")
	require.NoError(t, update(func(tx store.Tx) error { return tx.UpdateWorkflowRun(ctx(), presence) }))
	presence.Version, presence.Body = 3, nil
	require.NoError(t, update(func(tx store.Tx) error { return tx.UpdateWorkflowRun(ctx(), presence) }))
	got, err = get(ws, "p1")
	require.NoError(t, err)
	sameRun(presence, got)

	// A rolled back create leaves nothing.
	require.Error(t, update(func(tx store.Tx) error {
		require.NoError(t, tx.CreateWorkflowRun(ctx(), store.WorkflowRun{Workspace: ws, ID: "gone", Workflow: "welcome", StartedAt: t0, Version: 1}))
		return fmt.Errorf("roll back")
	}))
	_, err = get(ws, "gone")
	require.ErrorIs(t, err, store.ErrNotFound)

	// A second workspace with its own runs, one of them with an id of ws.
	require.NoError(t, update(func(tx store.Tx) error {
		for _, r := range []store.WorkflowRun{
			{Workspace: other, ID: "r1", Workflow: "welcome", Conversation: "cv1", Open: true, StartedAt: t0.Add(time.Hour), Version: 1, Body: []byte("o")},
			{Workspace: other, ID: "o2", Workflow: "welcome", Conversation: "cv1", Open: true, StartedAt: t0.Add(2 * time.Hour), Version: 1},
		} {
			if err := tx.CreateWorkflowRun(ctx(), r); err != nil {
				return err
			}
		}
		return nil
	}))
	got, err = get(ws, "r1")
	require.NoError(t, err)
	sameRun(want, got)
	got, err = get(other, "r1")
	require.NoError(t, err)
	assert.Equal(t, []byte("o"), got.Body)
	assert.Equal(t, []string{"o2", "r1"}, all(other, store.RunFilter{}, 10))

	// Many runs of ws for the filters and the order: 3 workflows, 4
	// conversations (and none), every third ended, start times in groups
	// of 5 at the same instant, ids not in the order of creation.
	seeded := []store.WorkflowRun{want, presence}
	require.NoError(t, update(func(tx store.Tx) error {
		for i := range 60 {
			r := store.WorkflowRun{Workspace: ws, ID: fmt.Sprintf("s%02d", (i*37)%60), Workflow: fmt.Sprintf("wf%d", i%3),
				Open: i%3 != 1, StartedAt: t0.Add(time.Duration(i/5) * time.Minute), Version: 1, Body: []byte{byte(i)}}
			if i%5 != 4 {
				r.Conversation = conversation.ID(fmt.Sprintf("c%d", i%4))
			}
			if err := tx.CreateWorkflowRun(ctx(), r); err != nil {
				return err
			}
			seeded = append(seeded, r)
		}
		return nil
	}))
	expect := func(f store.RunFilter) []string {
		var rs []store.WorkflowRun
		for _, r := range seeded {
			if f.Match(r) {
				rs = append(rs, r)
			}
		}
		for i := range rs {
			for j := i + 1; j < len(rs); j++ {
				if store.RunBefore(rs[j], rs[i]) {
					rs[i], rs[j] = rs[j], rs[i]
				}
			}
		}
		out := []string{}
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	filters := map[string]store.RunFilter{
		"all":                    {},
		"workflow":               {Workflow: "wf1"},
		"conversation":           {Conversation: "c2"},
		"open":                   {OpenOnly: true},
		"open conversation":      {Conversation: "c0", OpenOnly: true},
		"workflow conversation":  {Workflow: "wf0", Conversation: "c1"},
		"workflow open":          {Workflow: "wf2", OpenOnly: true},
		"all three":              {Workflow: "wf0", Conversation: "c3", OpenOnly: true},
		"no such workflow":       {Workflow: "none"},
		"conversation of others": {Conversation: "cv1", OpenOnly: true},
	}
	for name, f := range filters {
		wantIDs := expect(f)
		for _, limit := range []int{1, 4, 5, 7, store.MaxRunPage} {
			got := all(ws, f, limit)
			if len(got) == 0 {
				got = []string{}
			}
			assert.Equal(t, wantIDs, got, "%s, pages of %d", name, limit)
		}
	}
	assert.Len(t, expect(store.RunFilter{}), 62)
	assert.Equal(t, []string{"s55", "s46", "s32", "s23", "s09", "s50"}, expect(store.RunFilter{})[:6],
		"newest first, equal start times by id descending")
	first, next, err := page(ws, store.RunFilter{Limit: 6})
	require.NoError(t, err)
	require.Len(t, first, 6)
	assert.NotEmpty(t, next)
	for _, r := range first {
		for _, s := range seeded {
			if s.ID == r.ID {
				sameRun(s, r)
			}
		}
	}

	// Limit 0 is a page of DefaultRunPage.
	rs, next, err = page(ws, store.RunFilter{})
	require.NoError(t, err)
	assert.Len(t, rs, store.DefaultRunPage)
	assert.NotEmpty(t, next)

	// Bad limits and cursors.
	for _, f := range []store.RunFilter{
		{Limit: -1}, {Limit: store.MaxRunPage + 1},
		{After: "not a cursor!"}, {After: store.RunCursor("eA")},
		{After: store.RunCursor("cnVuLjEuMi5p")}, // "run.1.2.i"
	} {
		_, _, err := page(ws, f)
		assert.ErrorIs(t, err, conversation.ErrInvalid, "%+v", f)
	}
	// A cursor taken in one workspace starts after the same position in
	// another.
	c := store.RunPosition(store.WorkflowRun{ID: "zz", StartedAt: t0.Add(90 * time.Minute)})
	rs, _, err = page(other, store.RunFilter{After: c})
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, "r1", rs[0].ID)
}
