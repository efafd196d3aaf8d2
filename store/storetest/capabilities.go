package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// testCapabilities: each optional capability a store has answers exactly
// what the way without it answers, in states built to tell them apart. A
// store without a capability has nothing to compare for it.
func (h *harness) testCapabilities(t *testing.T) {
	t.Run("Workloads", h.testWorkloads)
	t.Run("InboundLookup", h.testInboundLookupCapability)
	t.Run("TimerPeeker", h.testTimerPeeker)
	t.Run("QueuePager", h.testQueuePager)
}

// has reports whether the transactions of s implement the capability c
// points to.
func has[C any](t *testing.T, s store.Store) bool {
	t.Helper()
	var ok bool
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error { _, ok = tx.(C); return nil }))
	if !ok {
		t.Logf("the store's transactions have no %T: the engine takes the way without it", (*C)(nil))
	}
	return ok
}

// sameWorkload asserts that store.Workload answers the same through tx's
// Workloads capability and through Agents and AssignedTo, and returns the
// answer. No entry and an empty map are the same.
func sameWorkload(t *testing.T, tx store.Tx, ws ticket.WorkspaceID, what string) map[conversation.AgentID]int {
	t.Helper()
	got, err := store.Workload(ctx(), tx, ws)
	require.NoError(t, err)
	want, err := store.Workload(ctx(), bare{tx}, ws)
	require.NoError(t, err)
	if len(got) == 0 && len(want) == 0 {
		return nil
	}
	assert.Equal(t, want, got, "Workload: %s", what)
	return got
}

func (h *harness) testWorkloads(t *testing.T) {
	s := h.store(t)
	if !has[store.Workloads](t, s) {
		return
	}
	ws := ticket.WorkspaceID(newWorkspace("workloads"))
	other := ticket.WorkspaceID(newWorkspace("workloads-other"))
	check := func(what string) map[conversation.AgentID]int {
		t.Helper()
		var m map[conversation.AgentID]int
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error { m = sameWorkload(t, tx, ws, what); return nil }))
		return m
	}
	update := func(c *conversation.Conversation, change func(*conversation.Conversation)) {
		t.Helper()
		change(c)
		c.Version++
		require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), *c) }))
	}
	assign := func(to conversation.AgentID) func(*conversation.Conversation) {
		return func(c *conversation.Conversation) { c.Assignee, c.WaitingSince, c.Abandoned = to, time.Time{}, false }
	}
	assert.Empty(t, check("no agents, no conversations"))

	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for _, a := range []struct {
			ws ticket.WorkspaceID
			id conversation.AgentID
		}{{ws, "a"}, {ws, "b"}, {ws, "c"}, {other, "a"}} {
			if err := tx.PutAgent(ctx(), conversation.Agent{ID: a.id, Workspace: a.ws, Presence: conversation.Online, Capacity: 5, Version: 1}); err != nil {
				return err
			}
		}
		return nil
	}))
	assert.Empty(t, check("agents holding nothing"))

	convs := make([]conversation.Conversation, 7)
	for i := range convs {
		_, _, convs[i] = seed(t, s, ws, fmt.Sprint("wl", i))
	}
	_, _, elsewhere := seed(t, s, other, "wl-elsewhere")
	assert.Empty(t, check("waiting conversations count for nobody"))

	update(&convs[0], assign("a"))
	update(&convs[1], assign("a"))
	update(&convs[2], assign("b"))
	update(&convs[3], assign("b"))
	update(&convs[4], assign("ghost")) // an assignee that is no stored agent
	update(&elsewhere, assign("a"))    // the same agent id in another workspace
	assert.Equal(t, map[conversation.AgentID]int{"a": 2, "b": 2}, check("assigned"))

	closed, err := conversation.Close(&convs[3], conversation.Host(), conversation.ReasonAgent, conversation.ClosingNote{}, t0.Add(time.Minute))
	require.NoError(t, err)
	convs[3] = closed.Conversation
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), convs[3]) }))
	abandoned, err := conversation.Abandon(&convs[2], t0.Add(2*time.Minute))
	require.NoError(t, err)
	convs[2] = abandoned.Conversation
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), convs[2]) }))
	assert.Equal(t, map[conversation.AgentID]int{"a": 2}, check("closed and abandoned conversations count for nobody"))

	// Inside a transaction, both ways see its writes.
	boom := errors.New("no")
	err = s.Update(ctx(), func(tx store.Tx) error {
		c := convs[5]
		assign("c")(&c)
		c.Version++
		if err := tx.UpdateConversation(ctx(), c); err != nil {
			return err
		}
		if err := tx.PutAgent(ctx(), conversation.Agent{ID: "ghost", Workspace: ws, Version: 1}); err != nil {
			return err
		}
		assert.Equal(t, map[conversation.AgentID]int{"a": 2, "c": 1, "ghost": 1}, sameWorkload(t, tx, ws, "in the transaction"))
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, map[conversation.AgentID]int{"a": 2}, check("after the rollback"))
}

// lookupKey is one question to LookupInbound.
type lookupKey struct {
	ws                   ticket.WorkspaceID
	ch                   channel.ID
	messageID, contactID string
}

// sameLookup asserts that store.LookupInbound answers the same through
// tx's InboundLookup capability and through the single lookups, for every
// key, and returns how many keys found a duplicate, a contact and an open
// conversation.
func sameLookup(t *testing.T, tx store.Tx, ks []lookupKey) (dups, contacts, open int) {
	t.Helper()
	for _, k := range ks {
		got, err := store.LookupInbound(ctx(), tx, k.ws, k.ch, k.messageID, k.contactID)
		require.NoError(t, err)
		want, err := store.LookupInbound(ctx(), bare{tx}, k.ws, k.ch, k.messageID, k.contactID)
		require.NoError(t, err)
		assert.Equal(t, normInbound(want), normInbound(got), "LookupInbound %+v", k)
		if want.HasDuplicate {
			dups++
		}
		if want.HasContact {
			contacts++
		}
		if want.HasOpen {
			open++
		}
	}
	return dups, contacts, open
}

func (h *harness) testInboundLookupCapability(t *testing.T) {
	s := h.store(t)
	if !has[store.InboundLookup](t, s) {
		return
	}
	ws := ticket.WorkspaceID(newWorkspace("lookups"))
	other := ticket.WorkspaceID(newWorkspace("lookups-other"))
	// open: a conversation open on ch; none: no conversation; closed: its
	// only conversation closed; elsewhere: open on ch2, known on ch only;
	// renamed: open on ch, with another external id than its handle's.
	contacts := []struct {
		name       string
		conv       channel.ID
		ext        string
		state      conversation.State
		otherToo   bool
		newMessage string
	}{
		{name: "open", conv: "ch", state: conversation.Open, otherToo: true, newMessage: "u-1"},
		{name: "none"},
		{name: "closed", conv: "ch", state: conversation.Closed, newMessage: "u-closed"},
		{name: "elsewhere", conv: "ch2", state: conversation.Open, newMessage: "u-2"},
		{name: "renamed", conv: "ch", ext: "not-the-handle", state: conversation.Open},
	}
	n := ticket.Number(0)
	for _, spec := range contacts {
		name := spec.name
		for _, w := range []ticket.WorkspaceID{ws, other} {
			if w == other && !spec.otherToo {
				continue
			}
			require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
				c := newContact(w, ticket.ContactID("c-"+name))
				// A contact renamed through the engine, with a field: the
				// lookup reads them as the single lookups do.
				c.Renamed, c.Fields = name == "open", map[string]string{"plan": name}
				if err := tx.CreateContact(ctx(), c, "ch", "ext-"+name); err != nil {
					return err
				}
				if spec.conv == "" {
					return nil
				}
				n++
				tk := newTicket(w, ticket.ID("t-"+name), n, c.ID)
				if err := tx.CreateTicket(ctx(), tk); err != nil {
					return err
				}
				cv := newConversation(w, conversation.ID("cv-"+name), tk, spec.conv)
				cv.ContactExternalID = "ext-" + name
				if spec.ext != "" {
					cv.ContactExternalID = spec.ext
				}
				if spec.state == conversation.Closed {
					cv.State, cv.ClosedAt, cv.CloseReason = conversation.Closed, t0, conversation.ReasonAgent
				}
				if err := tx.CreateConversation(ctx(), cv); err != nil {
					return err
				}
				if spec.newMessage == "" {
					return nil
				}
				if err := tx.CreateMessage(ctx(), newInbound(cv, conversation.MessageID("m-"+name), spec.newMessage, t0)); err != nil {
					return err
				}
				// A message without the channel's id, and a reply the
				// channel gave an id: neither is a duplicate of anything.
				if err := tx.CreateMessage(ctx(), newInbound(cv, conversation.MessageID("m-noid-"+name), "", t0)); err != nil {
					return err
				}
				out := newOutbound(cv, conversation.MessageID("m-out-"+name), t0)
				out.ExternalID, out.Delivery = "u-out-"+name, conversation.DeliverySent
				return tx.CreateMessage(ctx(), out)
			}))
		}
	}

	// A configuration revision in one workspace, two in the other.
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for i, w := range []ticket.WorkspaceID{ws, other, other} {
			if err := tx.PutConfig(ctx(), store.Config{Workspace: w, Kind: "template", Name: fmt.Sprint("t", i), Version: 1}); err != nil {
				return err
			}
		}
		return nil
	}))
	var ks []lookupKey
	for _, w := range []ticket.WorkspaceID{ws, other, ticket.WorkspaceID(newWorkspace("lookups-empty"))} {
		for _, ch := range []channel.ID{"ch", "ch2", "ch3"} {
			for _, m := range []string{"", "u-1", "u-2", "u-closed", "u-out-open", "u-none"} {
				for _, c := range []string{"ext-open", "ext-none", "ext-closed", "ext-elsewhere", "ext-renamed", "not-the-handle", "ext-unknown", ""} {
					ks = append(ks, lookupKey{w, ch, m, c})
				}
			}
		}
	}
	var dups, found, open int
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error { dups, found, open = sameLookup(t, tx, ks); return nil }))
	assert.Positive(t, dups, "some keys find duplicates")
	assert.Positive(t, found, "some find contacts")
	assert.Positive(t, open, "some find open conversations")
	assert.Less(t, open, found, "some contacts have no open conversation")

	// Inside a transaction, both ways see its writes: a new contact with an
	// open conversation and a message, a conversation closed.
	boom := errors.New("no")
	err := s.Update(ctx(), func(tx store.Tx) error {
		c := newContact(ws, "c-new")
		if err := tx.CreateContact(ctx(), c, "ch", "ext-new"); err != nil {
			return err
		}
		tk := newTicket(ws, "t-new", 100, c.ID)
		if err := tx.CreateTicket(ctx(), tk); err != nil {
			return err
		}
		cv := newConversation(ws, "cv-new", tk, "ch")
		cv.ContactExternalID = "ext-new"
		if err := tx.CreateConversation(ctx(), cv); err != nil {
			return err
		}
		if err := tx.CreateMessage(ctx(), newInbound(cv, "m-new", "u-new", t0)); err != nil {
			return err
		}
		cvOpen, err := tx.Conversation(ctx(), ws, "cv-open")
		if err != nil {
			return err
		}
		ch, err := conversation.Close(&cvOpen, conversation.Host(), conversation.ReasonAgent, conversation.ClosingNote{}, t0.Add(time.Minute))
		if err != nil {
			return err
		}
		if err := tx.UpdateConversation(ctx(), ch.Conversation); err != nil {
			return err
		}
		inTx := []lookupKey{{ws, "ch", "u-new", "ext-new"}, {ws, "ch", "", "ext-new"}, {ws, "ch", "u-1", "ext-open"}, {ws, "ch", "u-new", "ext-open"}}
		dups, found, open := sameLookup(t, tx, inTx)
		assert.Equal(t, []int{3, 4, 2}, []int{dups, found, open}, "the transaction's own writes are seen")
		return boom
	})
	require.ErrorIs(t, err, boom)
}

// testTimerPeeker: NextTimer answers what polling finds: nothing is due
// before the time it names, and a claim at that time takes what is due
// then. Claimed timers count at the end of their lease; timers of a
// rolled-back transaction do not count.
func (h *harness) testTimerPeeker(t *testing.T) {
	c := h.timerCase(t, "timer-peeker", 2250)
	p, ok := c.s.(store.TimerPeeker)
	if !ok {
		t.Log("the store is no store.TimerPeeker: the engine polls for timers")
		return
	}
	next := func() time.Time {
		t.Helper()
		due, ok, err := p.NextTimer(ctx())
		require.NoError(t, err)
		require.True(t, ok, "timers are stored")
		return utc(due)
	}
	c.set(c.timer(hostReminder, "peek", c.base, []byte("p")), c.timer(hostReminder, "later", c.base.Add(time.Hour), nil))
	boom := errors.New("no")
	early := time.Unix(1, 0).UTC()
	require.ErrorIs(t, c.s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.SetTimer(ctx(), c.timer(hostReminder, "early", early, nil)); err != nil {
			return err
		}
		return boom
	}), boom)
	latest := c.base // the next due time is no later
	for round := range 3 {
		due := next()
		assert.True(t, due.After(early), "round %d: a rolled-back timer does not count", round)
		assert.False(t, due.After(latest), "round %d: %v is not the earliest", round, due)
		ts, err := c.s.ClaimTimers(ctx(), due.Add(-time.Nanosecond), time.Minute, 100)
		require.NoError(t, err)
		assert.Empty(t, ts, "round %d: nothing is due before %v", round, due)
		ts, err = c.s.ClaimTimers(ctx(), due, time.Minute, 100)
		require.NoError(t, err)
		require.NotEmpty(t, ts, "round %d: a timer is due at %v", round, due)
		for _, tm := range ts {
			assert.True(t, tm.Due.Equal(due), "round %d: claimed %v, due %v", round, tm.Due, due)
		}
		latest = due.Add(time.Minute) // the claimed timers are due when their lease ends
	}
}
