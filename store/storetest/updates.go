package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// testConversationUpdates: an update that changes only what no lookup
// selects by (the last activity, the out-of-hours mark) and one that
// changes what the queue and the assignee's list select by are both
// stored whole, the lookups follow, and a stale version conflicts either
// way. A store may write the two kinds differently.
func (h *harness) testConversationUpdates(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("updates"))
	_, _, cv := seed(t, s, ws, "updated")
	cv.WaitingSince = t0
	cv.Version++
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), cv) }))

	read := func() (conversation.Conversation, []conversation.Conversation, []conversation.Conversation) {
		t.Helper()
		var got conversation.Conversation
		var queue, held []conversation.Conversation
		require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) {
			if got, err = tx.Conversation(ctx(), ws, cv.ID); err != nil {
				return err
			}
			if queue, err = tx.Queue(ctx(), ws, 10); err != nil {
				return err
			}
			held, err = tx.AssignedTo(ctx(), ws, "a1")
			return err
		}))
		return got, queue, held
	}

	// Activity only.
	touched := cv
	touched.LastActivity, touched.OutOfHoursUntil, touched.Version = t0.Add(time.Minute), t0.Add(time.Hour), cv.Version+1
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), touched) }))
	got, queue, held := read()
	assert.Equal(t, normConversation(touched), normConversation(got))
	require.Len(t, queue, 1)
	assert.Equal(t, normConversation(touched), normConversation(queue[0]), "still waiting, as stored")
	assert.Empty(t, held)
	err := s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), touched) })
	assert.ErrorIs(t, err, store.ErrConflict, "the same activity update again, from a stale version")

	// Assigned, with a new priority: out of the queue, in the agent's list.
	assigned := touched
	assigned.Assignee, assigned.WaitingSince, assigned.Priority = "a1", time.Time{}, ticket.PriorityUrgent
	assigned.LastActivity, assigned.Version = t0.Add(2*time.Minute), touched.Version+1
	stale := assigned
	stale.Version = touched.Version
	err = s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), stale) })
	assert.ErrorIs(t, err, store.ErrConflict, "an assignment from a stale version")
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), assigned) }))
	got, queue, held = read()
	assert.Equal(t, normConversation(assigned), normConversation(got))
	assert.Empty(t, queue)
	require.Len(t, held, 1)
	assert.Equal(t, normConversation(assigned), normConversation(held[0]))

	// Activity again, while assigned.
	again := assigned
	again.LastActivity, again.Version = t0.Add(3*time.Minute), assigned.Version+1
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), again) }))
	got, queue, held = read()
	assert.Equal(t, normConversation(again), normConversation(got))
	assert.Empty(t, queue)
	require.Len(t, held, 1)
	assert.Equal(t, normConversation(again), normConversation(held[0]))

	// Closed: in no list, and the contact has no open conversation.
	closed := again
	closed.State, closed.Assignee, closed.ClosedAt, closed.CloseReason = conversation.Closed, "", t0.Add(4*time.Minute), conversation.ReasonAgent
	closed.Version = again.Version + 1
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), closed) }))
	got, queue, held = read()
	assert.Equal(t, normConversation(closed), normConversation(got))
	assert.Empty(t, queue)
	assert.Empty(t, held)
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		_, err := tx.OpenConversation(ctx(), ws, "ch", cv.Contact)
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))
}
