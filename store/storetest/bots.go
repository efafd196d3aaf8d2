package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// testHeldConversations: a conversation a bot holds (R2) keeps its bot's
// name through every read, is in no part of the queue (Tx.Queue,
// store.ReadQueuePage with and without the store's QueuePager, the
// list's waiting filters) and counts for no agent's workload; a hand-off
// puts it in the queue and a hand-back takes it out again, and a
// rolled-back hand-off leaves it held.
func (h *harness) testHeldConversations(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("held"))
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		return tx.PutAgent(ctx(), conversation.Agent{ID: "a1", Workspace: ws, Name: "Ana", Role: conversation.RoleAgent, Capacity: 5, Version: 1})
	}))
	_, _, waiting := seed(t, s, ws, "waiting")
	_, tk, held := seed(t, s, ws, "held")
	held.Bot, held.WaitingSince, held.Version = "greeter", time.Time{}, held.Version+1
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), held) }))
	_, _, assigned := seed(t, s, ws, "assigned")
	assigned.Assignee, assigned.WaitingSince, assigned.Version = "a1", time.Time{}, assigned.Version+1
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), assigned) }))
	// A conversation created held, as an engine opens one for a bot.
	_, _, bornHeld := seedWith(t, s, ws, "born-held", func(c *conversation.Conversation) {
		c.Bot, c.WaitingSince = "greeter", time.Time{}
	})
	require.True(t, held.Held())
	require.True(t, bornHeld.Held())

	// queueIDs reads the workspace's queue every way a store answers it and
	// asserts they agree.
	everyGroup := []store.QueueGroup{{Channel: "ch"}, {Channel: "ch", Abandoned: true}}
	queueIDs := func(tx store.Tx, what string) []conversation.ID {
		t.Helper()
		q, err := tx.Queue(ctx(), ws, 0)
		require.NoError(t, err)
		page, err := store.ReadQueuePage(ctx(), tx, ws, store.QueuePage{Groups: everyGroup, Limit: store.MaxQueuePage})
		require.NoError(t, err)
		bare, err := store.ReadQueuePage(ctx(), bare{tx}, ws, store.QueuePage{Groups: everyGroup, Limit: store.MaxQueuePage})
		require.NoError(t, err)
		assert.Equal(t, ids(q), ids(page), "%s: the queue and its page by group", what)
		assert.Equal(t, ids(q), ids(bare), "%s: the queue and its page without QueuePager", what)
		for _, c := range q {
			assert.True(t, c.Waiting(), "%s: %s waits", what, c.ID)
			assert.Empty(t, c.Bot, "%s: %s held by no bot", what, c.ID)
		}
		return ids(q)
	}
	// waitingListed is what the list's waiting filter keeps.
	waitingListed := func(tx store.Tx) []conversation.ID {
		t.Helper()
		got, _, err := tx.Conversations(ctx(), ws, store.ConversationFilter{WaitingAfter: t0.Add(-time.Hour), Limit: store.MaxConversationPage})
		require.NoError(t, err)
		return ids(got)
	}

	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		for _, want := range []conversation.Conversation{held, bornHeld} {
			got, err := tx.Conversation(ctx(), ws, want.ID)
			require.NoError(t, err)
			assert.Equal(t, normConversation(want), normConversation(got), "the bot that holds %s is stored", want.ID)
		}
		got, err := tx.OpenConversation(ctx(), ws, "ch", held.Contact)
		require.NoError(t, err)
		assert.Equal(t, "greeter", got.Bot, "OpenConversation")
		got, err = tx.LatestConversation(ctx(), ws, "ch", held.Contact)
		require.NoError(t, err)
		assert.Equal(t, "greeter", got.Bot, "LatestConversation")
		got, err = tx.TicketConversation(ctx(), ws, tk.ID)
		require.NoError(t, err)
		assert.Equal(t, "greeter", got.Bot, "TicketConversation")
		in, err := store.LookupInbound(ctx(), tx, ws, "ch", "", "ext-"+string(held.Contact))
		require.NoError(t, err)
		require.True(t, in.HasOpen)
		assert.Equal(t, normConversation(held), normConversation(in.Open), "LookupInbound")
		in, err = store.LookupInbound(ctx(), bare{tx}, ws, "ch", "", "ext-"+string(held.Contact))
		require.NoError(t, err)
		require.True(t, in.HasOpen)
		assert.Equal(t, "greeter", in.Open.Bot, "LookupInbound without InboundLookup")
		list, _, err := tx.Conversations(ctx(), ws, store.ConversationFilter{State: conversation.Open})
		require.NoError(t, err)
		assert.Contains(t, ids(list), held.ID, "the list shows open held conversations")
		for _, c := range list {
			if c.ID == held.ID {
				assert.Equal(t, "greeter", c.Bot, "the list")
			}
		}

		assert.Equal(t, []conversation.ID{waiting.ID}, queueIDs(tx, "as stored"),
			"held, assigned and born-held conversations are not in the queue (R2)")
		assert.Equal(t, []conversation.ID{waiting.ID}, waitingListed(tx), "a held conversation does not wait")
		load, err := store.Workload(ctx(), tx, ws)
		require.NoError(t, err)
		assert.Equal(t, map[conversation.AgentID]int{"a1": 1}, load, "a held conversation is no agent's load")
		return nil
	}))

	// A hand-off that rolls back leaves the conversation held.
	boom := errors.New("no")
	handedOff := held
	handedOff.Bot, handedOff.WaitingSince, handedOff.Version = "", t0.Add(-time.Minute), held.Version+1
	err := s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.UpdateConversation(ctx(), handedOff); err != nil {
			return err
		}
		assert.Equal(t, []conversation.ID{held.ID, waiting.ID}, queueIDs(tx, "in the hand-off"), "the hand-off is seen in its transaction")
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		assert.Equal(t, []conversation.ID{waiting.ID}, queueIDs(tx, "after the rollback"))
		got, err := tx.Conversation(ctx(), ws, held.ID)
		require.NoError(t, err)
		assert.Equal(t, "greeter", got.Bot, "the rolled-back hand-off left the bot")
		return nil
	}))

	// The hand-off: the conversation waits, ahead of the one that waited
	// less long.
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), handedOff) }))
	held = handedOff
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		assert.Equal(t, []conversation.ID{held.ID, waiting.ID}, queueIDs(tx, "after the hand-off"), "a handed-off conversation joins the queue (R2)")
		assert.Equal(t, []conversation.ID{held.ID, waiting.ID}, waitingListed(tx), "in the list's order: opened at once, by id")
		got, err := tx.Conversation(ctx(), ws, held.ID)
		require.NoError(t, err)
		assert.Equal(t, normConversation(held), normConversation(got))
		return nil
	}))

	// The hand-back, of the waiting conversation and of the assigned one:
	// both leave the queue, and the assigned one the agent's load.
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		held.Bot, held.WaitingSince, held.Version = "greeter", time.Time{}, held.Version+1
		if err := tx.UpdateConversation(ctx(), held); err != nil {
			return err
		}
		assigned.Bot, assigned.Assignee, assigned.Version = "helper", "", assigned.Version+1
		return tx.UpdateConversation(ctx(), assigned)
	}))
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		assert.Equal(t, []conversation.ID{waiting.ID}, queueIDs(tx, "after the hand-back"), "a conversation given back to a bot leaves the queue (R2)")
		assert.Equal(t, []conversation.ID{waiting.ID}, waitingListed(tx))
		load, err := store.Workload(ctx(), tx, ws)
		require.NoError(t, err)
		assert.Empty(t, load, "the conversation given to a bot left its agent")
		for _, want := range []conversation.Conversation{held, assigned} {
			got, err := tx.Conversation(ctx(), ws, want.ID)
			require.NoError(t, err)
			assert.Equal(t, normConversation(want), normConversation(got))
		}
		return nil
	}))

	// A closed conversation keeps the name of the bot that held it last,
	// and is in no queue.
	bornHeld.State, bornHeld.ClosedAt, bornHeld.CloseReason, bornHeld.Version = conversation.Closed, t0.Add(time.Hour), conversation.ReasonBot, bornHeld.Version+1
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), bornHeld) }))
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		got, err := tx.Conversation(ctx(), ws, bornHeld.ID)
		require.NoError(t, err)
		assert.Equal(t, normConversation(bornHeld), normConversation(got))
		assert.False(t, got.Held())
		assert.Equal(t, []conversation.ID{waiting.ID}, queueIDs(tx, "after the close"))
		return nil
	}))
}

// testBotEvents: an event's Bot and Data are stored (R2): nil Data stays
// nil, a map comes back equal, and neither the caller of AppendEvent nor a
// publisher that changes the map it was given changes the stored event.
func (h *harness) testBotEvents(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("botevents"))
	drainAll(t, s, ws)
	data := map[string]string{"order": "A-17", "reason": "wants a refund"}
	want := []conversation.Event{
		{Type: conversation.EventBotNotified, Workspace: ws, At: t0, Conversation: "cv1", Bot: "greeter", Detail: "refund",
			Data: map[string]string{"order": "A-17", "reason": "wants a refund"}, Actor: conversation.AsBot("greeter")},
		{Type: conversation.EventBotHandedOff, Workspace: ws, At: t0.Add(time.Second), Conversation: "cv1", Bot: "greeter", Detail: "over to you"},
		{Type: conversation.EventConversationOpened, Workspace: ws, At: t0.Add(2 * time.Second), Conversation: "cv2", Bot: "greeter"},
		{Type: conversation.EventMessageSent, Workspace: ws, At: t0.Add(3 * time.Second), Conversation: "cv2", Message: "m1"},
	}
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for i, e := range want {
			if i == 0 {
				e.Data = data
			}
			if err := tx.AppendEvent(ctx(), e); err != nil {
				return err
			}
		}
		// The caller's map is its own after AppendEvent.
		data["order"] = "changed"
		data["extra"] = "added"
		return nil
	}))
	// A publisher that changes the events it was given and fails does not
	// change them for the next one.
	_, err := drain(t, s, 100, func(_ context.Context, evs []conversation.Event) (int, error) {
		for _, e := range evs {
			if e.Data != nil {
				e.Data["order"] = "tampered"
				delete(e.Data, "reason")
			}
		}
		return 0, errors.New("host down")
	})
	require.Error(t, err)
	got := drainAll(t, s, ws)
	require.Len(t, got, len(want))
	for i := range got {
		got[i].Seq = 0
		assert.Equal(t, normEvent(want[i]), got[i], "event %d", i)
	}
	assert.Nil(t, got[1].Data, "no data stays nil")
	assert.Nil(t, got[3].Data, "no data stays nil")
	assert.Equal(t, map[string]string{"order": "A-17", "reason": "wants a refund"}, got[0].Data)
}
