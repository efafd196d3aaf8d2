package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

func (h *harness) testContacts(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("contacts"))
	c := newContact(ws, "c1")
	c.Fields = map[string]string{"plan": "gold"}
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.CreateContact(ctx(), c, "ch", "42") }))

	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		got, err := tx.Contact(ctx(), ws, "c1")
		require.NoError(t, err)
		assert.Equal(t, normContact(c), normContact(got))
		got, err = tx.ContactByExternalID(ctx(), ws, "ch", "42")
		require.NoError(t, err)
		assert.Equal(t, ticket.ContactID("c1"), got.ID)
		_, err = tx.ContactByExternalID(ctx(), ws, "other-channel", "42")
		assert.ErrorIs(t, err, store.ErrNotFound, "an external id belongs to one channel")
		_, err = tx.Contact(ctx(), ws, "nobody")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))

	err := s.Update(ctx(), func(tx store.Tx) error { return tx.CreateContact(ctx(), newContact(ws, "c2"), "ch", "42") })
	assert.ErrorIs(t, err, store.ErrDuplicate, "external id taken on the channel")
	err = s.Update(ctx(), func(tx store.Tx) error { return tx.CreateContact(ctx(), newContact(ws, "c1"), "ch", "43") })
	assert.ErrorIs(t, err, store.ErrDuplicate, "contact id taken")

	// The same external id on another channel is another contact.
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.CreateContact(ctx(), newContact(ws, "c3"), "ch2", "42") }))

	// Fields and tags are written by an update and read back as written:
	// changed, added, all removed.
	for i, fields := range []map[string]string{{"plan": "silver", "city": "Lima", "note": "línea 1\nlínea 2 ✓"}, nil} {
		c.Fields, c.Version = fields, c.Version+1
		require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateContact(ctx(), c) }))
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
			got, err := tx.Contact(ctx(), ws, "c1")
			require.NoError(t, err)
			assert.Equal(t, normContact(c), normContact(got), "update %d", i)
			return nil
		}))
	}

	// Version rule.
	c2 := c
	c2.Name, c2.Renamed, c2.Version = "Renamed", true, c.Version+1
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateContact(ctx(), c2) }))
	err = s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateContact(ctx(), c2) })
	assert.ErrorIs(t, err, store.ErrConflict, "an update from a stale version")
	err = s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateContact(ctx(), newContact(ws, "ghost")) })
	assert.Error(t, err)
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		got, err := tx.Contact(ctx(), ws, "c1")
		require.NoError(t, err)
		assert.Equal(t, "Renamed", got.Name)
		assert.True(t, got.Renamed)
		assert.Equal(t, c2.Version, got.Version)
		byExt, err := tx.ContactByExternalID(ctx(), ws, "ch", "42")
		require.NoError(t, err)
		assert.Equal(t, normContact(got), normContact(byExt))
		return nil
	}))
}

func (h *harness) testTicketNumbers(t *testing.T) {
	s := h.store(t)
	a, b := ticket.WorkspaceID(newWorkspace("num-a")), ticket.WorkspaceID(newWorkspace("num-b"))
	var got []ticket.Number
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for _, ws := range []ticket.WorkspaceID{a, a, b, a, b} {
			n, err := tx.NextTicketNumber(ctx(), ws)
			if err != nil {
				return err
			}
			got = append(got, n)
		}
		return nil
	}))
	assert.Equal(t, []ticket.Number{1, 2, 1, 3, 2}, got, "numbers are sequential per workspace, from 1")

	// Many concurrent reservations never hand out a number twice.
	const writers, each = 8, 20
	var mu sync.Mutex
	seen := map[ticket.Number]bool{}
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				var n ticket.Number
				err := s.Update(ctx(), func(tx store.Tx) (err error) {
					n, err = tx.NextTicketNumber(ctx(), a)
					return err
				})
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				assert.False(t, seen[n], "number %d handed out twice", n)
				seen[n] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Len(t, seen, writers*each)
}

func (h *harness) testTickets(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("tickets"))
	c, t1, _ := seed(t, s, ws, "a")
	t2 := newTicket(ws, "t2", t1.Number+1, c.ID)
	t2.Tags = []string{"billing", "vip"}
	t2.Priority = ticket.PriorityHigh
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.CreateTicket(ctx(), t2) }))

	err := s.Update(ctx(), func(tx store.Tx) error { return tx.CreateTicket(ctx(), newTicket(ws, "t3", t2.Number, c.ID)) })
	assert.ErrorIs(t, err, store.ErrDuplicate, "number taken")
	err = s.Update(ctx(), func(tx store.Tx) error { return tx.CreateTicket(ctx(), newTicket(ws, "t2", 99, c.ID)) })
	assert.ErrorIs(t, err, store.ErrDuplicate, "id taken")

	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		got, err := tx.Ticket(ctx(), ws, "t2")
		require.NoError(t, err)
		assert.Equal(t, normTicket(t2), normTicket(got))
		got, err = tx.TicketByNumber(ctx(), ws, t2.Number)
		require.NoError(t, err)
		assert.Equal(t, ticket.ID("t2"), got.ID)
		_, err = tx.TicketByNumber(ctx(), ws, 999)
		assert.ErrorIs(t, err, store.ErrNotFound)
		open, err := tx.OpenTickets(ctx(), ws, c.ID)
		require.NoError(t, err)
		require.Len(t, open, 2)
		assert.Equal(t, []ticket.Number{t1.Number, t2.Number}, []ticket.Number{open[0].Number, open[1].Number})
		return nil
	}))

	// Tags are written by an update and read back as written: changed,
	// all removed.
	for i, tags := range [][]string{{"follow up", "vip", "ñandú"}, nil} {
		t2.Tags, t2.Version = tags, t2.Version+1
		require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateTicket(ctx(), t2) }))
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
			got, err := tx.Ticket(ctx(), ws, "t2")
			require.NoError(t, err)
			assert.Equal(t, normTicket(t2), normTicket(got), "update %d", i)
			return nil
		}))
	}

	closed, err := t1.Close(t0.Add(time.Hour))
	require.NoError(t, err)
	closed.Version++
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateTicket(ctx(), closed) }))
	err = s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateTicket(ctx(), closed) })
	assert.ErrorIs(t, err, store.ErrConflict)
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		open, err := tx.OpenTickets(ctx(), ws, c.ID)
		require.NoError(t, err)
		require.Len(t, open, 1, "closed tickets are not open tickets")
		assert.Equal(t, ticket.ID("t2"), open[0].ID)
		got, err := tx.Ticket(ctx(), ws, t1.ID)
		require.NoError(t, err)
		assert.Equal(t, normTicket(closed), normTicket(got))
		return nil
	}))
}

func (h *harness) testConversations(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("conversations"))
	c, tk, cv := seed(t, s, ws, "a")

	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		for name, get := range map[string]func() (conversation.Conversation, error){
			"by id":    func() (conversation.Conversation, error) { return tx.Conversation(ctx(), ws, cv.ID) },
			"open":     func() (conversation.Conversation, error) { return tx.OpenConversation(ctx(), ws, "ch", c.ID) },
			"latest":   func() (conversation.Conversation, error) { return tx.LatestConversation(ctx(), ws, "ch", c.ID) },
			"ticket's": func() (conversation.Conversation, error) { return tx.TicketConversation(ctx(), ws, tk.ID) },
		} {
			got, err := get()
			require.NoError(t, err, name)
			assert.Equal(t, normConversation(cv), normConversation(got), name)
		}
		_, err := tx.OpenConversation(ctx(), ws, "ch2", c.ID)
		assert.ErrorIs(t, err, store.ErrNotFound, "no conversation on another channel")
		return nil
	}))

	// One open conversation per contact and channel, and per ticket.
	tk2 := newTicket(ws, "t-second", tk.Number+1, c.ID)
	second := newConversation(ws, "cv-second", tk2, "ch")
	err := s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.CreateTicket(ctx(), tk2); err != nil {
			return err
		}
		return tx.CreateConversation(ctx(), second)
	})
	assert.ErrorIs(t, err, store.ErrDuplicate, "second open conversation of a contact on a channel")
	err = s.Update(ctx(), func(tx store.Tx) error {
		return tx.CreateConversation(ctx(), newConversation(ws, "cv-other-channel", tk, "ch2"))
	})
	assert.ErrorIs(t, err, store.ErrDuplicate, "second open conversation of a ticket")
	err = s.Update(ctx(), func(tx store.Tx) error { return tx.CreateConversation(ctx(), cv) })
	assert.ErrorIs(t, err, store.ErrDuplicate, "id taken")

	// Closing frees the contact for a new conversation, which becomes the
	// latest.
	closed, err := conversation.Close(&cv, conversation.Host(), conversation.ReasonAgent, conversation.ClosingNote{Category: "done", Summary: "ok"}, t0.Add(time.Minute))
	require.NoError(t, err)
	closed.Conversation.OutOfHoursUntil = t0.Add(14 * time.Hour) // kept (R4)
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), closed.Conversation) }))
	err = s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), closed.Conversation) })
	assert.ErrorIs(t, err, store.ErrConflict, "update from a stale version")
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		_, err := tx.OpenConversation(ctx(), ws, "ch", c.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.TicketConversation(ctx(), ws, tk.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		got, err := tx.LatestConversation(ctx(), ws, "ch", c.ID)
		require.NoError(t, err)
		assert.Equal(t, normConversation(closed.Conversation), normConversation(got), "a closed conversation is still the latest")
		return nil
	}))
	next := newConversation(ws, "cv-next", tk, "ch")
	next.OpenedAt = t0.Add(2 * time.Minute)
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.CreateConversation(ctx(), next) }))
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		got, err := tx.LatestConversation(ctx(), ws, "ch", c.ID)
		require.NoError(t, err)
		assert.Equal(t, next.ID, got.ID)
		got, err = tx.OpenConversation(ctx(), ws, "ch", c.ID)
		require.NoError(t, err)
		assert.Equal(t, next.ID, got.ID)
		return nil
	}))

	// Reopening the closed one while next is open breaks uniqueness.
	reopened := closed.Conversation
	reopened.State, reopened.Version = conversation.Open, reopened.Version+1
	err = s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), reopened) })
	assert.ErrorIs(t, err, store.ErrDuplicate)
}

func (h *harness) testQueue(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("queue"))
	// Five conversations: waiting ones with different priorities and ages,
	// one assigned and one closed.
	type spec struct {
		name     string
		prio     ticket.Priority
		waiting  time.Duration
		assigned bool
		closed   bool
	}
	specs := []spec{
		{name: "old-normal", waiting: 1 * time.Minute},
		{name: "new-normal", waiting: 5 * time.Minute},
		{name: "new-urgent", prio: ticket.PriorityUrgent, waiting: 9 * time.Minute},
		{name: "assigned", prio: ticket.PriorityUrgent, assigned: true},
		{name: "closed", prio: ticket.PriorityUrgent, closed: true},
		{name: "low", prio: ticket.PriorityLow},
	}
	for _, sp := range specs {
		_, _, cv := seed(t, s, ws, sp.name)
		cv.Priority = sp.prio
		cv.WaitingSince = t0.Add(sp.waiting)
		if sp.assigned {
			cv.Assignee, cv.WaitingSince = "a1", time.Time{}
		}
		if sp.closed {
			cv.State, cv.WaitingSince, cv.ClosedAt, cv.CloseReason = conversation.Closed, time.Time{}, t0, conversation.ReasonAgent
		}
		cv.Version++
		require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), cv) }))
	}
	other := ticket.WorkspaceID(newWorkspace("queue-other"))
	seed(t, s, other, "elsewhere")

	var names []conversation.ID
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		q, err := tx.Queue(ctx(), ws, 0)
		for _, c := range q {
			names = append(names, c.ID)
			assert.True(t, c.Waiting())
		}
		return err
	}))
	assert.Equal(t, []conversation.ID{"cv-new-urgent", "cv-old-normal", "cv-new-normal", "cv-low"}, names,
		"priority first, then longest waiting (R11); assigned, closed and other workspaces' conversations are not waiting")
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		q, err := tx.Queue(ctx(), ws, 2)
		require.Len(t, q, 2)
		assert.Equal(t, conversation.ID("cv-new-urgent"), q[0].ID)
		return err
	}))
}

func (h *harness) testMessages(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("messages"))
	_, _, cv := seed(t, s, ws, "a")
	m1 := newInbound(cv, "m1", "u-1", t0)
	m1.Kind, m1.Text = conversation.KindVoice, "caption"
	m1.Attachments = []conversation.Attachment{{Name: "v.ogg", MIME: "audio/ogg", Size: 1234, Ref: "file-1", Duration: 3 * time.Second}}
	m2 := newOutbound(cv, "m2", t0.Add(time.Second))
	m3 := newInbound(cv, "m3", "u-3", t0.Add(2*time.Second))
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for _, m := range []conversation.Message{m1, m2, m3} {
			if err := tx.CreateMessage(ctx(), m); err != nil {
				return err
			}
		}
		return nil
	}))
	err := s.Update(ctx(), func(tx store.Tx) error { return tx.CreateMessage(ctx(), newInbound(cv, "m4", "u-1", t0)) })
	assert.ErrorIs(t, err, store.ErrDuplicate, "an inbound external id is stored once (R18)")
	err = s.Update(ctx(), func(tx store.Tx) error { return tx.CreateMessage(ctx(), newInbound(cv, "m1", "u-9", t0)) })
	assert.ErrorIs(t, err, store.ErrDuplicate, "id taken")

	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		got, err := tx.Message(ctx(), ws, "m1")
		require.NoError(t, err)
		assert.Equal(t, normMessage(m1), normMessage(got))
		got, err = tx.MessageByExternalID(ctx(), ws, "ch", "u-3")
		require.NoError(t, err)
		assert.Equal(t, conversation.MessageID("m3"), got.ID)
		_, err = tx.MessageByExternalID(ctx(), ws, "ch2", "u-3")
		assert.ErrorIs(t, err, store.ErrNotFound)
		all, err := tx.Messages(ctx(), ws, cv.ID)
		require.NoError(t, err)
		require.Len(t, all, 3)
		for i, want := range []conversation.Message{m1, m2, m3} {
			assert.Equal(t, normMessage(want), normMessage(all[i]), "message %d in order", i)
		}
		return nil
	}))

	// Updates keep revisions and follow the version rule.
	sent, err := conversation.Sent(&m2, "ref-77", t0.Add(time.Minute))
	require.NoError(t, err)
	edited := sent.Message
	edited.Revisions = []conversation.Revision{{Text: edited.Text, At: t0.Add(2 * time.Minute)}}
	edited.Text, edited.Version = "reply, edited", edited.Version+1
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.UpdateMessage(ctx(), sent.Message); err != nil {
			return err
		}
		return tx.UpdateMessage(ctx(), edited)
	}))
	err = s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateMessage(ctx(), sent.Message) })
	assert.ErrorIs(t, err, store.ErrConflict)
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		got, err := tx.Message(ctx(), ws, "m2")
		require.NoError(t, err)
		assert.Equal(t, normMessage(edited), normMessage(got))
		return nil
	}))
}

func (h *harness) testPendingMessages(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("pending"))
	_, _, cv := seed(t, s, ws, "a")
	_, _, other := seed(t, s, ws, "b")
	// Stored in this order: late first, so it goes first whatever the due
	// times of the ones after it.
	late := newOutbound(cv, "late", t0.Add(10*time.Minute))
	due2 := newOutbound(cv, "due2", t0.Add(2*time.Minute))
	due1 := newOutbound(cv, "due1", t0.Add(1*time.Minute))
	in := newInbound(cv, "in", "u-1", t0)
	b1 := newOutbound(other, "b1", t0.Add(3*time.Minute))
	b2 := newOutbound(other, "b2", t0)
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for _, m := range []conversation.Message{late, due2, due1, in, b1, b2} {
			if err := tx.CreateMessage(ctx(), m); err != nil {
				return err
			}
		}
		return nil
	}))
	page := func(now time.Time, after store.PendingAfter, limit int) []conversation.Message {
		var out []conversation.Message
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
			ms, err := tx.PendingMessages(ctx(), now, after, limit)
			for _, m := range ms {
				if m.Workspace == ws {
					out = append(out, m)
				}
			}
			return err
		}))
		return out
	}
	ids := func(ms []conversation.Message) []conversation.MessageID {
		var out []conversation.MessageID
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	pending := func(now time.Time) []conversation.MessageID { return ids(page(now, store.PendingAfter{}, 100)) }
	assert.Equal(t, []conversation.MessageID{"b1"}, pending(t0.Add(5*time.Minute)),
		"each conversation's first pending message, when due; the ones behind it wait; inbound never")
	first := func() conversation.MessageID {
		var id conversation.MessageID
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
			m, err := tx.FirstPending(ctx(), ws, cv.ID)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			id = m.ID
			return err
		}))
		return id
	}
	assert.Equal(t, conversation.MessageID("late"), first(), "the first stored, due or not")
	assert.Equal(t, []conversation.MessageID{"b1", "late"}, pending(t0.Add(10*time.Minute)), "earliest due first")

	// Paging: one at a time, each page after the last message of the one
	// before, reaches every due message once.
	var walked []conversation.MessageID
	after := store.PendingAfter{}
	for range 10 {
		p := page(t0.Add(time.Hour), after, 1)
		if len(p) == 0 {
			break
		}
		walked = append(walked, p[0].ID)
		after = store.PendingPosition(p[0])
	}
	assert.Equal(t, []conversation.MessageID{"b1", "late"}, walked)

	gone, err := conversation.Sent(&late, "r3", t0.Add(time.Hour))
	require.NoError(t, err)
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateMessage(ctx(), gone.Message) }))
	assert.Equal(t, conversation.MessageID("due2"), first(), "the next stored goes next")
	assert.Equal(t, []conversation.MessageID{"due2", "b1"}, pending(t0.Add(time.Hour)))

	failed, err := conversation.Failed(&due2, "blocked", t0.Add(time.Hour))
	require.NoError(t, err)
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateMessage(ctx(), failed.Message) }))
	assert.Equal(t, []conversation.MessageID{"due1", "b1"}, pending(t0.Add(time.Hour)), "a failed message is not pending")

	done, err := conversation.Sent(&due1, "r1", t0.Add(time.Hour))
	require.NoError(t, err)
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateMessage(ctx(), done.Message) }))
	assert.Empty(t, first(), "none pending")
	assert.Equal(t, []conversation.MessageID{"b1"}, pending(t0.Add(time.Hour)))
}

func (h *harness) testAgentsAndTeams(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("agents"))
	a := conversation.Agent{ID: "a1", Workspace: ws, Name: "Ana", Role: conversation.RoleSupervisor, Presence: conversation.Online,
		Teams: []conversation.TeamID{"sales", "support"}, Capacity: 3, Version: 1}
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.PutTeam(ctx(), conversation.Team{ID: "sales", Workspace: ws, Name: "Sales"}); err != nil {
			return err
		}
		return tx.PutAgent(ctx(), a)
	}))
	err := s.Update(ctx(), func(tx store.Tx) error { return tx.PutAgent(ctx(), a) })
	assert.ErrorIs(t, err, store.ErrConflict, "creating an existing agent again")
	a2 := a
	a2.Presence, a2.Version = conversation.Away, 2
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.PutAgent(ctx(), a2) }))
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		return tx.PutTeam(ctx(), conversation.Team{ID: "sales", Workspace: ws, Name: "Sales EMEA"})
	}))
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		got, err := tx.Agent(ctx(), ws, "a1")
		require.NoError(t, err)
		assert.Equal(t, normAgent(a2), normAgent(got))
		tm, err := tx.Team(ctx(), ws, "sales")
		require.NoError(t, err)
		assert.Equal(t, "Sales EMEA", tm.Name)
		_, err = tx.Agent(ctx(), ws, "nobody")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.Team(ctx(), ws, "nobody")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))
}

// drainAll drains every stored event of workspace ws, waiting while
// another drain runs.
func drainAll(t testing.TB, s store.Store, ws ticket.WorkspaceID) []conversation.Event {
	t.Helper()
	var out []conversation.Event
	for {
		n, err := drain(t, s, 50, func(_ context.Context, evs []conversation.Event) (int, error) {
			for _, e := range evs {
				if e.Workspace == ws {
					out = append(out, normEvent(e))
				}
			}
			return len(evs), nil
		})
		require.NoError(t, err)
		if n == 0 {
			return out
		}
	}
}

func (h *harness) testEvents(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("events"))
	drainAll(t, s, ws)
	var want []conversation.Event
	for i := range 120 {
		want = append(want, conversation.Event{Type: conversation.EventMessageReceived, Workspace: ws, At: t0.Add(time.Duration(i) * time.Second),
			Conversation: conversation.ID(fmt.Sprint("cv", i%3)), Message: conversation.MessageID(fmt.Sprint("m", i)),
			Actor: eventActor(ws, i), Cause: eventCause(i)})
		if i%4 == 1 {
			// The events about a contact name it; a tag or a field's key
			// is in Detail.
			want[i].Type, want[i].Contact, want[i].Detail = conversation.EventContactFieldSet, ticket.ContactID(fmt.Sprint("c", i)), "plan"
		}
		switch i % 8 {
		case 3:
			// A bot's notification names the bot and carries its data
			// (R2).
			want[i].Type, want[i].Bot, want[i].Detail = conversation.EventBotNotified, "greeter", "lead"
			want[i].Data = map[string]string{"order": fmt.Sprint(i), "step": "pay"}
		case 6:
			// Other events of a bot name it, without data.
			want[i].Type, want[i].Bot = conversation.EventBotHandedOff, "greeter"
		}
	}
	for i := 0; i < len(want); i += 40 {
		require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
			for _, e := range want[i : i+40] {
				if err := tx.AppendEvent(ctx(), e); err != nil {
					return err
				}
			}
			return nil
		}))
	}

	// A failing publisher keeps the events it did not publish.
	boom := errors.New("host down")
	n, err := drain(t, s, 10, func(context.Context, []conversation.Event) (int, error) { return 0, boom })
	assert.ErrorIs(t, err, boom)
	assert.Zero(t, n)
	n, err = drain(t, s, 10, func(_ context.Context, evs []conversation.Event) (int, error) {
		assert.Len(t, evs, 10)
		return 3, boom
	})
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 3, n, "the three published events are forgotten")

	// The limit is respected.
	n, err = drain(t, s, 4, func(_ context.Context, evs []conversation.Event) (int, error) {
		assert.LessOrEqual(t, len(evs), 4)
		return len(evs), nil
	})
	require.NoError(t, err)
	assert.Equal(t, 4, n)

	const gone = 7
	got := drainAll(t, s, ws)
	require.Len(t, got, len(want)-gone)
	var last uint64
	for i, e := range got {
		assert.Greater(t, e.Seq, last, "seq grows with commit order")
		last = e.Seq
		e.Seq = 0
		assert.Equal(t, normEvent(want[i+gone]), e, "event %d in commit order", i)
	}
	assert.Empty(t, drainAll(t, s, ws), "drained events are forgotten")
}

// eventActor returns the i-th actor of testEvents: every kind in turn,
// with an id where the kind has one, none for a few events. An agent's
// workspace and role are not kept: an event keeps its actor's Kind and ID.
func eventActor(ws ticket.WorkspaceID, i int) conversation.Actor {
	switch i % 8 {
	case 0:
		return conversation.Actor{}
	case 1:
		return conversation.Host()
	case 2:
		return conversation.System()
	case 3:
		return conversation.By(conversation.Agent{ID: conversation.AgentID(fmt.Sprint("a", i)), Workspace: ws, Role: conversation.RoleSupervisor})
	case 4:
		return conversation.AsContact(ticket.ContactID(fmt.Sprint("c", i)))
	case 5:
		return conversation.AsBot("greeter")
	case 6:
		return conversation.AsWorkflow(fmt.Sprint("run-", i))
	}
	return conversation.Actor{Kind: conversation.ActorAgent, ID: "ünïcode agent ✓"}
}

// eventCause returns the i-th cause of testEvents: none, a command, a
// timer, reactions deep in a chain.
func eventCause(i int) conversation.Cause {
	root := conversation.Cause{Kind: conversation.CauseCommand, Name: "receive", ID: fmt.Sprint("cmd-", i), Root: fmt.Sprint("cmd-", i)}
	switch i % 5 {
	case 0:
		return conversation.Cause{}
	case 1:
		return root
	case 2:
		return conversation.Cause{Kind: conversation.CauseTimer, Name: "host.reminder", ID: fmt.Sprint("tm-", i), Root: fmt.Sprint("tm-", i)}
	case 3:
		return root.Then("auto-assign", fmt.Sprint("r-", i))
	}
	return root.Then("a", "r1").Then("b", "r2").Then("c", fmt.Sprint("r-", i))
}

func (h *harness) testRollback(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("rollback"))
	_, tk, cv := seed(t, s, ws, "a")
	drainAll(t, s, ws)
	boom := errors.New("decided against it")
	err := s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.CreateContact(ctx(), newContact(ws, "ghost"), "ch", "ghost"); err != nil {
			return err
		}
		closed, err := tk.Close(t0)
		if err != nil {
			return err
		}
		closed.Version++
		if err := tx.UpdateTicket(ctx(), closed); err != nil {
			return err
		}
		c := cv
		c.Assignee, c.WaitingSince, c.Version = "a1", time.Time{}, c.Version+1
		if err := tx.UpdateConversation(ctx(), c); err != nil {
			return err
		}
		if err := tx.CreateMessage(ctx(), newInbound(cv, "ghost-msg", "u-ghost", t0)); err != nil {
			return err
		}
		if err := tx.CreateMessage(ctx(), newOutbound(cv, "ghost-out", t0)); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx(), conversation.Event{Type: conversation.EventMessageReceived, Workspace: ws}); err != nil {
			return err
		}
		// Reads inside the transaction see its own writes.
		got, err := tx.Conversation(ctx(), ws, cv.ID)
		if err != nil {
			return err
		}
		assert.Equal(t, conversation.AgentID("a1"), got.Assignee, "a transaction reads its own writes")
		return boom
	})
	require.ErrorIs(t, err, boom, "Update returns fn's error")

	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		_, err := tx.Contact(ctx(), ws, "ghost")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.ContactByExternalID(ctx(), ws, "ch", "ghost")
		assert.ErrorIs(t, err, store.ErrNotFound)
		got, err := tx.Ticket(ctx(), ws, tk.ID)
		require.NoError(t, err)
		assert.Equal(t, normTicket(tk), normTicket(got))
		c, err := tx.Conversation(ctx(), ws, cv.ID)
		require.NoError(t, err)
		assert.Equal(t, normConversation(cv), normConversation(c))
		q, err := tx.Queue(ctx(), ws, 0)
		require.NoError(t, err)
		assert.Len(t, q, 1, "still waiting")
		_, err = tx.MessageByExternalID(ctx(), ws, "ch", "u-ghost")
		assert.ErrorIs(t, err, store.ErrNotFound)
		ms, err := tx.Messages(ctx(), ws, cv.ID)
		require.NoError(t, err)
		assert.Empty(t, ms)
		p, err := tx.PendingMessages(ctx(), t0.Add(time.Hour), store.PendingAfter{}, 0)
		require.NoError(t, err)
		for _, m := range p {
			assert.NotEqual(t, ws, m.Workspace)
		}
		return nil
	}))
	assert.Empty(t, drainAll(t, s, ws), "events of a rolled-back transaction are not published")

	// A panic rolls back too, and the store stays usable.
	assert.Panics(t, func() {
		_ = s.Update(ctx(), func(tx store.Tx) error {
			_ = tx.CreateContact(ctx(), newContact(ws, "panic"), "ch", "panic")
			panic("boom")
		})
	})
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		_, err := tx.Contact(ctx(), ws, "panic")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))
}

func (h *harness) testReadOnlyView(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("view"))
	err := s.View(ctx(), func(tx store.Tx) error { return tx.CreateContact(ctx(), newContact(ws, "c1"), "ch", "1") })
	assert.Error(t, err, "a view cannot write")
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		_, err := tx.Contact(ctx(), ws, "c1")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))
}

func (h *harness) testCanceled(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("canceled"))
	c, cancel := context.WithCancel(ctx())
	cancel()
	err := s.Update(c, func(tx store.Tx) error { return tx.CreateContact(c, newContact(ws, "c1"), "ch", "1") })
	assert.ErrorIs(t, err, context.Canceled)
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		_, err := tx.Contact(ctx(), ws, "c1")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))
}

func (h *harness) testIsolation(t *testing.T) {
	s := h.store(t)
	a, b := ticket.WorkspaceID(newWorkspace("iso-a")), ticket.WorkspaceID(newWorkspace("iso-b"))
	c, tk, cv := seed(t, s, a, "x")
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		return tx.CreateMessage(ctx(), newInbound(cv, "m1", "u-1", t0))
	}))
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		_, err := tx.Contact(ctx(), b, c.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.ContactByExternalID(ctx(), b, "ch", "ext-"+string(c.ID))
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.Ticket(ctx(), b, tk.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.TicketByNumber(ctx(), b, tk.Number)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.Conversation(ctx(), b, cv.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.OpenConversation(ctx(), b, "ch", c.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.Message(ctx(), b, "m1")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.MessageByExternalID(ctx(), b, "ch", "u-1")
		assert.ErrorIs(t, err, store.ErrNotFound)
		ms, err := tx.Messages(ctx(), b, cv.ID)
		require.NoError(t, err)
		assert.Empty(t, ms)
		ts, err := tx.OpenTickets(ctx(), b, c.ID)
		require.NoError(t, err)
		assert.Empty(t, ts)
		q, err := tx.Queue(ctx(), b, 0)
		require.NoError(t, err)
		assert.Empty(t, q)
		return nil
	}))
	// The same ids in another workspace are other objects.
	seed(t, s, b, "x")
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		return tx.CreateMessage(ctx(), newInbound(newConversation(b, "cv-x", newTicket(b, "t-x", 1, "c-x"), "ch"), "m1", "u-1", t0))
	}))
}

// testLostUpdates runs read-modify-write transactions on one conversation
// from many goroutines, each retried on ErrConflict as the engine does: no
// update may be lost.
func (h *harness) testLostUpdates(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("lost"))
	_, _, cv := seed(t, s, ws, "a")
	const writers, each = 4, 25
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				for attempt := 0; ; attempt++ {
					err := s.Update(ctx(), func(tx store.Tx) error {
						c, err := tx.Conversation(ctx(), ws, cv.ID)
						if err != nil {
							return err
						}
						c.LastActivity = c.LastActivity.Add(time.Second)
						c.Version++
						return tx.UpdateConversation(ctx(), c)
					})
					if err == nil {
						break
					}
					if !errors.Is(err, store.ErrConflict) || attempt > 1000 {
						t.Errorf("update: %v", err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		c, err := tx.Conversation(ctx(), ws, cv.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(1+writers*each), c.Version, "every update counted once")
		assert.True(t, c.LastActivity.Equal(t0.Add(writers*each*time.Second)), "no update lost: %v", c.LastActivity)
		return nil
	}))
}

// ways are the ways the functions of package store answer: through the
// store's capabilities where it has them, and through the required methods.
var ways = []struct {
	name string
	tx   func(store.Tx) store.Tx
}{
	{"store", func(tx store.Tx) store.Tx { return tx }},
	{"required methods", func(tx store.Tx) store.Tx { return bare{tx} }},
}

// testInboundLookup checks store.LookupInbound, through the store's
// InboundLookup capability where its transactions have one and through the
// single lookups (the way without it) always.
func (h *harness) testInboundLookup(t *testing.T) {
	s := h.store(t)
	for _, w := range ways {
		way := w.tx
		t.Run(w.name, func(t *testing.T) {
			ws := ticket.WorkspaceID(newWorkspace("lookup"))
			lookup := func(ws ticket.WorkspaceID, messageID, contactID string) store.InboundRecords {
				t.Helper()
				var r store.InboundRecords
				require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) {
					r, err = store.LookupInbound(ctx(), way(tx), ws, "ch", messageID, contactID)
					return err
				}))
				return r
			}
			assert.Equal(t, store.InboundRecords{}, lookup(ws, "u-1", "ext-c-a"), "an unknown contact: nothing found")

			c, _, cv := seed(t, s, ws, "a")
			m := newInbound(cv, "m1", "u-1", t0)
			require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.CreateMessage(ctx(), m) }))

			r := lookup(ws, "u-2", "ext-c-a")
			require.True(t, r.HasContact)
			assert.Equal(t, normContact(c), normContact(r.Contact))
			require.True(t, r.HasOpen)
			assert.Equal(t, normConversation(cv), normConversation(r.Open))
			assert.False(t, r.HasDuplicate)

			r = lookup(ws, "u-1", "ext-c-a")
			require.True(t, r.HasDuplicate, "the channel delivered u-1 before")
			assert.Equal(t, normMessage(m), normMessage(r.Duplicate))
			assert.True(t, r.HasContact, "the contact is found with the duplicate")
			assert.True(t, r.HasOpen)
			r = lookup(ws, "u-1", "ext-someone-else")
			assert.True(t, r.HasDuplicate, "a duplicate is found whoever the channel says sent it")
			assert.False(t, r.HasContact)
			r = lookup(ws, "", "ext-c-a")
			assert.False(t, r.HasDuplicate, "an empty message id skips the duplicate check")
			assert.True(t, r.HasContact)

			closed, err := conversation.Close(&cv, conversation.Host(), conversation.ReasonAgent, conversation.ClosingNote{}, t0)
			require.NoError(t, err)
			require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), closed.Conversation) }))
			r = lookup(ws, "u-2", "ext-c-a")
			assert.True(t, r.HasContact)
			assert.False(t, r.HasOpen, "a closed conversation is not open")
			assert.Equal(t, conversation.Conversation{}, r.Open)

			// The configuration revision comes with the lookup, for a
			// known contact and an unknown one.
			require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
				return tx.PutConfig(ctx(), store.Config{Workspace: ws, Kind: "template", Name: "welcome", Version: 1})
			}))
			assert.Equal(t, int64(1), lookup(ws, "u-2", "ext-c-a").ConfigRevision)
			assert.Equal(t, int64(1), lookup(ws, "u-2", "ext-unknown").ConfigRevision)
			assert.Equal(t, int64(1), lookup(ws, "u-1", "ext-unknown").ConfigRevision, "with a duplicate")

			other := lookup(ticket.WorkspaceID(newWorkspace("lookup-other")), "u-1", "ext-c-a")
			assert.Equal(t, store.InboundRecords{}, other, "nothing crosses workspaces")
		})
	}
}

// testDrainBusy: while one drain publishes, another answers ErrBusy at once
// instead of waiting, and drains normally afterwards.
func (h *harness) testDrainBusy(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("busy"))
	drainAll(t, s, ws)
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		return tx.AppendEvent(ctx(), conversation.Event{Type: conversation.EventMessageReceived, Workspace: ws})
	}))
	inside, release := make(chan struct{}), make(chan struct{})
	var entered sync.Once
	done := make(chan error, 1)
	go func() {
		// Another process may be draining the same data: wait for it.
		_, err := drain(t, s, 10, func(_ context.Context, evs []conversation.Event) (int, error) {
			entered.Do(func() { close(inside) })
			<-release
			return 0, nil // publish nothing: the events stay
		})
		done <- err
	}()
	select {
	case <-inside:
	case err := <-done:
		t.Fatalf("the first drain did not start: %v", err)
	}
	other := h.open(t) // another process's store on the same data, where the store has one
	t.Cleanup(func() { _ = other.Close() })
	_, err := s.DrainEvents(ctx(), 10, func(context.Context, []conversation.Event) (int, error) {
		t.Error("a second drain ran while the first was publishing")
		return 0, nil
	})
	assert.ErrorIs(t, err, store.ErrBusy, "the same store")
	// Another instance on the same data (the SQL stores) is busy too; an
	// instance with data of its own (memory) has nothing to drain.
	_, err = other.DrainEvents(ctx(), 10, func(_ context.Context, evs []conversation.Event) (int, error) {
		for _, e := range evs {
			if e.Workspace == ws {
				t.Error("another instance drained while the first was publishing")
			}
		}
		return 0, nil
	})
	if err != nil {
		assert.ErrorIs(t, err, store.ErrBusy, "another instance")
	}
	close(release)
	require.NoError(t, <-done)
	got := drainAll(t, s, ws)
	assert.Len(t, got, 1, "drained afterwards")
	n, err := drain(t, s, 0, func(context.Context, []conversation.Event) (int, error) {
		t.Error("a limit of 0 drains nothing")
		return 0, nil
	})
	assert.NoError(t, err)
	assert.Zero(t, n)
}

// testWorkload: the agents of a workspace, and the open conversations each
// holds (store.Workload, through the store's capability and without),
// follow assignments, closes and rollbacks.
func (h *harness) testWorkload(t *testing.T) {
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) { h.testWorkloadOn(t, w.tx) })
	}
}

func (h *harness) testWorkloadOn(t *testing.T, way func(store.Tx) store.Tx) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("workload"))
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for _, id := range []conversation.AgentID{"b", "a"} {
			a := conversation.Agent{ID: id, Workspace: ws, Presence: conversation.Online, LastAssigned: t0.Add(time.Minute), Version: 1}
			if err := tx.PutAgent(ctx(), a); err != nil {
				return err
			}
		}
		return nil
	}))
	convs := make([]conversation.Conversation, 3)
	for i := range convs {
		_, _, convs[i] = seed(t, s, ws, fmt.Sprint("w", i))
	}
	assign := func(c *conversation.Conversation, to conversation.AgentID) {
		t.Helper()
		c.Assignee, c.WaitingSince, c.Abandoned, c.Version = to, time.Time{}, false, c.Version+1
		require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), *c) }))
	}
	load := func() map[conversation.AgentID]int {
		t.Helper()
		var m map[conversation.AgentID]int
		require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) { m, err = store.Workload(ctx(), way(tx), ws); return err }))
		return m
	}
	assign(&convs[0], "a")
	assign(&convs[1], "a")
	assign(&convs[2], "b")
	assert.Equal(t, map[conversation.AgentID]int{"a": 2, "b": 1}, load())

	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		agents, err := tx.Agents(ctx(), ws)
		require.NoError(t, err)
		require.Len(t, agents, 2)
		assert.Equal(t, conversation.AgentID("a"), agents[0].ID)
		assert.True(t, agents[0].LastAssigned.Equal(t0.Add(time.Minute)))
		mine, err := tx.AssignedTo(ctx(), ws, "a")
		require.NoError(t, err)
		assert.ElementsMatch(t, []conversation.ID{convs[0].ID, convs[1].ID}, []conversation.ID{mine[0].ID, mine[1].ID})
		none, err := tx.Agents(ctx(), ticket.WorkspaceID(newWorkspace("nobody")))
		require.NoError(t, err)
		assert.Empty(t, none)
		return nil
	}))

	// Closing frees the agent; abandoning too, and the flag is kept.
	ch, err := conversation.Close(&convs[0], conversation.Host(), conversation.ReasonAgent, conversation.ClosingNote{}, t0)
	require.NoError(t, err)
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), ch.Conversation) }))
	ab, err := conversation.Abandon(&convs[2], t0.Add(time.Hour))
	require.NoError(t, err)
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), ab.Conversation) }))
	assert.Equal(t, map[conversation.AgentID]int{"a": 1}, load())
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		c, err := tx.Conversation(ctx(), ws, convs[2].ID)
		require.NoError(t, err)
		assert.True(t, c.Abandoned)
		assert.True(t, c.Waiting())
		return nil
	}))

	// A rolled-back assignment counts for nobody.
	err = s.Update(ctx(), func(tx store.Tx) error {
		c := convs[1]
		c.Assignee, c.Version = "b", c.Version+1
		if err := tx.UpdateConversation(ctx(), c); err != nil {
			return err
		}
		return errors.New("no")
	})
	require.Error(t, err)
	assert.Equal(t, map[conversation.AgentID]int{"a": 1}, load())
}
