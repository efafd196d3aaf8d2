package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// events records published events.
type events struct {
	mu  sync.Mutex
	all []conversation.Event
}

func (r *events) publish(_ context.Context, e conversation.Event) error {
	r.mu.Lock()
	r.all = append(r.all, e)
	r.mu.Unlock()
	return nil
}

// count returns how many events of type typ about conversation id were
// published.
func (r *events) count(typ conversation.EventType, id conversation.ID) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.all {
		if e.Type == typ && e.Conversation == id {
			n++
		}
	}
	return n
}

// engineOn returns an engine over s with a memory channel "ch" in ws.
func engineOn(t testing.TB, s store.Store, ws ticket.WorkspaceID) (*contactcenter.Engine, *channel.MemoryTransport) {
	t.Helper()
	return engineWithEvents(t, s, ws, &events{})
}

// engineWithEvents is engineOn with the events it publishes recorded in
// rec. Any engine on a store publishes any event stored there, so the
// engines of one test share one recorder.
func engineWithEvents(t testing.TB, s store.Store, ws ticket.WorkspaceID, rec *events) (*contactcenter.Engine, *channel.MemoryTransport) {
	t.Helper()
	eng, err := contactcenter.New(contactcenter.Config{Store: s, MaxAttempts: 1000, Publish: rec.publish})
	require.NoError(t, err)
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "ch", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: tr, By: conversation.Host()}))
	t.Cleanup(func() { _ = eng.Close() })
	return eng, tr
}

// together runs fns at the same time and waits for all of them.
func together(fns ...func()) {
	var start, done sync.WaitGroup
	start.Add(1)
	for _, fn := range fns {
		done.Go(func() {
			start.Wait()
			fn()
		})
	}
	start.Done()
	done.Wait()
}

// testConcurrentFirstMessages: two first messages of a new contact at once
// make one contact, one ticket and one conversation holding both (R9).
func (h *harness) testConcurrentFirstMessages(t *testing.T) {
	s := h.store(t)
	for i := range h.opts.Repeat {
		ws := ticket.WorkspaceID(newWorkspace("first"))
		eng, _ := engineOn(t, s, ws)
		results := make([]contactcenter.Received, 2)
		errs := make([]error, 2)
		receive := func(k int) func() {
			return func() {
				results[k], errs[k] = eng.Receive(context.Background(), contactcenter.Inbound{
					Workspace: ws, Channel: "ch", ExternalID: fmt.Sprint("u-", k),
					From: contactcenter.Sender{ExternalID: "new-contact", Name: "Nuevo"}, Text: fmt.Sprint("hello ", k),
				})
			}
		}
		together(receive(0), receive(1))
		require.NoError(t, errs[0], "run %d", i)
		require.NoError(t, errs[1], "run %d", i)
		assert.Equal(t, results[0].Conversation.ID, results[1].Conversation.ID, "run %d: one conversation", i)
		assert.Equal(t, results[0].Contact.ID, results[1].Contact.ID, "run %d: one contact", i)
		assert.NotEqual(t, results[0].Opened, results[1].Opened, "run %d: exactly one message opened it", i)
		ms, err := eng.Messages(context.Background(), ws, results[0].Conversation.ID)
		require.NoError(t, err)
		assert.Len(t, ms, 2, "run %d: both messages stored", i)
		q, err := eng.Queue(context.Background(), ws, 0)
		require.NoError(t, err)
		assert.Len(t, q, 1, "run %d: one waiting conversation", i)
		ts, err := eng.OpenTickets(context.Background(), ws, results[0].Contact.ID)
		require.NoError(t, err)
		require.Len(t, ts, 1, "run %d: one ticket", i)
		assert.Equal(t, ticket.Number(1), ts[0].Number, "run %d", i)
		if t.Failed() {
			return
		}
	}
}

// testConcurrentReplies: two agents replying at once to a waiting
// conversation leave exactly one assignee, and both replies are stored and
// delivered (R10).
func (h *harness) testConcurrentReplies(t *testing.T) {
	s := h.store(t)
	rec := &events{}
	for i := range h.opts.Repeat {
		ws := ticket.WorkspaceID(newWorkspace("replies"))
		eng, tr := engineWithEvents(t, s, ws, rec)
		ctx := context.Background()
		for _, id := range []conversation.AgentID{"ana", "bruno"} {
			_, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: id, Workspace: ws, Name: string(id), Presence: conversation.Online}, By: conversation.Host()})
			require.NoError(t, err)
		}
		r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: ws, Channel: "ch", ExternalID: "u-1",
			From: contactcenter.Sender{ExternalID: "c"}, Text: "help"})
		require.NoError(t, err)
		errs := make([]error, 2)
		reply := func(k int, agent conversation.AgentID) func() {
			return func() {
				_, errs[k] = eng.Reply(ctx, contactcenter.Reply{Workspace: ws, Conversation: r.Conversation.ID, Agent: agent, Text: "hi from " + string(agent)})
			}
		}
		together(reply(0, "ana"), reply(1, "bruno"))
		require.NoError(t, errs[0], "run %d", i)
		require.NoError(t, errs[1], "run %d", i)
		require.NoError(t, eng.PublishPending(ctx), "run %d", i)
		c, err := eng.Conversation(ctx, ws, r.Conversation.ID)
		require.NoError(t, err)
		assert.Contains(t, []conversation.AgentID{"ana", "bruno"}, c.Assignee, "run %d: one of them is the assignee", i)
		assert.Equal(t, 1, rec.count(conversation.EventConversationAssigned, c.ID), "run %d: assigned exactly once", i)
		assert.Equal(t, int64(3), c.Version, "run %d: opened, then one change per reply", i)
		ms, err := eng.Messages(ctx, ws, c.ID)
		require.NoError(t, err)
		require.Len(t, ms, 3, "run %d: both replies stored", i)
		for _, m := range ms[1:] {
			assert.Equal(t, conversation.DeliverySent, m.Delivery, "run %d: reply delivered", i)
		}
		assert.Len(t, tr.Sent(), 2, "run %d: both replies sent, once each", i)
		if t.Failed() {
			return
		}
	}
}

// testConcurrentDuplicateDelivery: the same update delivered twice at once
// is stored once (R18).
func (h *harness) testConcurrentDuplicateDelivery(t *testing.T) {
	s := h.store(t)
	for i := range h.opts.Repeat {
		ws := ticket.WorkspaceID(newWorkspace("dup"))
		eng, _ := engineOn(t, s, ws)
		in := contactcenter.Inbound{Workspace: ws, Channel: "ch", ExternalID: "u-1",
			From: contactcenter.Sender{ExternalID: "c"}, Text: "once"}
		results := make([]contactcenter.Received, 2)
		errs := make([]error, 2)
		receive := func(k int) func() {
			return func() { results[k], errs[k] = eng.Receive(context.Background(), in) }
		}
		together(receive(0), receive(1))
		require.NoError(t, errs[0], "run %d", i)
		require.NoError(t, errs[1], "run %d", i)
		assert.NotEqual(t, results[0].Duplicate, results[1].Duplicate, "run %d: one stored, one recognised as duplicate", i)
		assert.Equal(t, results[0].Message.ID, results[1].Message.ID, "run %d", i)
		ms, err := eng.Messages(context.Background(), ws, results[0].Conversation.ID)
		require.NoError(t, err)
		assert.Len(t, ms, 1, "run %d: stored once", i)
		if t.Failed() {
			return
		}
	}
}

// testConcurrentReopenAndCloseTicket: a contact writes again (R9, a new
// conversation on their open ticket) while the ticket is closed (R12):
// whichever wins, no open conversation stays on a closed ticket.
func (h *harness) testConcurrentReopenAndCloseTicket(t *testing.T) {
	s := h.store(t)
	for i := range h.opts.Repeat {
		ws := ticket.WorkspaceID(newWorkspace("reopen"))
		eng, _ := engineOn(t, s, ws)
		ctx := context.Background()
		in := contactcenter.Inbound{Workspace: ws, Channel: "ch", ExternalID: "u-1", From: contactcenter.Sender{ExternalID: "c"}, Text: "first"}
		r, err := eng.Receive(ctx, in)
		require.NoError(t, err)
		_, err = eng.CloseConversation(ctx, contactcenter.Closing{Workspace: ws, Conversation: r.Conversation.ID, By: conversation.Host(), Note: conversation.ClosingNote{}})
		require.NoError(t, err)
		in.ExternalID, in.Text = "u-2", "again"
		var again contactcenter.Received
		var errReceive, errClose error
		together(
			func() { again, errReceive = eng.Receive(ctx, in) },
			func() {
				_, errClose = eng.CloseTicket(ctx, contactcenter.TicketClosing{Workspace: ws, Ticket: r.Conversation.Ticket, By: conversation.Host(), Note: conversation.ClosingNote{}})
			},
		)
		require.NoError(t, errReceive, "run %d", i)
		if errClose != nil {
			// The contact's message came first and its conversation was
			// open: closing the ticket then closes it; a conflict means
			// the other order, which is fine too.
			require.ErrorIs(t, errClose, contactcenter.ErrConflict, "run %d", i)
		}
		tk, err := eng.Ticket(ctx, ws, again.Conversation.Ticket)
		require.NoError(t, err)
		c, err := eng.Conversation(ctx, ws, again.Conversation.ID)
		require.NoError(t, err)
		if tk.Status == ticket.Closed {
			assert.Equal(t, conversation.Closed, c.State, "run %d: an open conversation on a closed ticket", i)
		}
		if t.Failed() {
			return
		}
	}
}
