package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// queueFixture is a workspace whose queue mixes every group of
// store.QueueGroup (two channels, two teams and none, abandoned or not),
// priorities and ties in waiting time, with conversations that do not
// wait (assigned, closed, held by a bot: R2) and a neighbour workspace.
type queueFixture struct {
	s     store.Store
	ws    ticket.WorkspaceID
	convs []conversation.Conversation // every conversation, as stored
}

func newQueueFixture(t *testing.T, s store.Store, name string) *queueFixture {
	t.Helper()
	f := &queueFixture{s: s, ws: ticket.WorkspaceID(newWorkspace(name))}
	other := ticket.WorkspaceID(newWorkspace(name + "-other"))
	channels := []channel.ID{"qa", "qb"}
	teams := []conversation.TeamID{"", "t1", "t2"}
	prios := []ticket.Priority{ticket.PriorityNormal, ticket.PriorityUrgent, ticket.PriorityLow}
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for _, w := range []ticket.WorkspaceID{f.ws, other} {
			for i := range 48 {
				id := fmt.Sprintf("q%02d", i)
				c := newContact(w, ticket.ContactID("c-"+id))
				ch := channels[i%2]
				if err := tx.CreateContact(ctx(), c, ch, "ext-"+id); err != nil {
					return err
				}
				tk := newTicket(w, ticket.ID("t-"+id), ticket.Number(i+1), c.ID)
				if err := tx.CreateTicket(ctx(), tk); err != nil {
					return err
				}
				cv := newConversation(w, conversation.ID("cv-"+id), tk, ch)
				cv.Team = teams[i/2%3]
				cv.Abandoned = i/6%2 == 1
				cv.Priority = prios[i/12%3]
				// Three conversations share each waiting time: the id
				// breaks the tie.
				cv.WaitingSince = t0.Add(time.Duration((47-i)/3) * time.Second)
				switch i % 16 {
				case 5:
					cv.Assignee, cv.WaitingSince, cv.Abandoned = "a1", time.Time{}, false
				case 8:
					cv.Bot, cv.WaitingSince, cv.Abandoned = "greeter", time.Time{}, false
				case 11:
					cv.State, cv.WaitingSince, cv.ClosedAt, cv.CloseReason = conversation.Closed, time.Time{}, t0, conversation.ReasonAgent
				}
				if err := tx.CreateConversation(ctx(), cv); err != nil {
					return err
				}
				if w == f.ws {
					f.convs = append(f.convs, cv)
				}
			}
		}
		return nil
	}))
	return f
}

// update stores a change to conversation i of the fixture.
func (f *queueFixture) update(t *testing.T, i int, change func(*conversation.Conversation)) {
	t.Helper()
	c := f.convs[i]
	change(&c)
	c.Version++
	require.NoError(t, f.s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), c) }))
	f.convs[i] = c
}

// want returns what a page of the fixture holds, by the contract: its
// waiting conversations in the queue's order, of the page's groups, after
// its position, at most its limit.
func (f *queueFixture) want(p store.QueuePage) []conversation.ID {
	var waiting []conversation.Conversation
	for _, c := range f.convs {
		if c.Waiting() && slices.Contains(p.Groups, store.GroupOf(&c)) && p.After.Follows(&c) {
			waiting = append(waiting, c)
		}
	}
	slices.SortFunc(waiting, func(a, b conversation.Conversation) int {
		if a.Before(b) {
			return -1
		}
		return 1
	})
	return ids(waiting[:min(len(waiting), p.Limit)])
}

// pages returns the pages the fixture is read with: several choices of
// groups (none, one, some, all, with unknown names and repeats), each from
// the head; with all, also after positions along the queue and between
// two, with several limits. A quick set reads each choice from the head
// alone.
func (f *queueFixture) pages(all bool) []store.QueuePage {
	g := func(ch channel.ID, team conversation.TeamID, abandoned bool) store.QueueGroup {
		return store.QueueGroup{Channel: ch, Team: team, Abandoned: abandoned}
	}
	var every []store.QueueGroup
	for _, ch := range []channel.ID{"qa", "qb"} {
		for _, team := range []conversation.TeamID{"", "t1", "t2"} {
			every = append(every, g(ch, team, false), g(ch, team, true))
		}
	}
	// More groups than one statement of a SQL store may read: every
	// group, among 300 of channels with no conversation.
	many := slices.Clone(every)
	for i := range 300 {
		many = append(many, g(channel.ID(fmt.Sprintf("none-%03d", i)), "t1", i%2 == 0))
	}
	choices := [][]store.QueueGroup{
		nil,
		many,
		{g("qa", "", false)},
		{g("qb", "t1", true), g("qa", "t2", false), g("qb", "t1", true)},
		{g("qa", "", false), g("qa", "", true), g("qb", "", false), g("qb", "", true)},
		{g("unknown", "", false), g("qa", "no-such-team", false), g("qb", "t2", true)},
		every,
	}
	afters := []store.QueuePosition{{}}
	if all {
		for i, c := range f.convs {
			if c.Waiting() && i%4 == 0 {
				afters = append(afters, store.QueuePositionOf(&c))
			}
		}
		// A position no conversation holds, between two that do.
		afters = append(afters, store.QueuePosition{Priority: ticket.PriorityNormal, WaitingSince: t0.Add(7 * time.Second), ID: "cv-q99"})
	}
	var out []store.QueuePage
	for ci, groups := range choices {
		for i, after := range afters {
			switch {
			case i == 0 || i == len(afters)-1:
				for _, limit := range []int{1, 4, store.MaxQueuePage} {
					out = append(out, store.QueuePage{Groups: groups, After: after, Limit: limit})
				}
			case ci >= 2: // some groups, a position: the merge after it
				out = append(out, store.QueuePage{Groups: groups, After: after, Limit: 4})
			}
		}
	}
	return out
}

// check asserts that every page of the fixture (pages), read through tx,
// holds what the contract says.
func (f *queueFixture) check(t *testing.T, tx store.Tx, all bool, what string) {
	t.Helper()
	for _, p := range f.pages(all) {
		got, err := store.ReadQueuePage(ctx(), tx, f.ws, p)
		require.NoError(t, err)
		assert.Equal(t, f.want(p), ids(got), "%s: page %+v", what, p)
		for _, c := range got {
			require.True(t, c.Waiting())
		}
	}
}

// changes are what moves conversations of the fixture between groups and
// places in the queue, or out of it and back; check reads the quick pages
// after each.
func (f *queueFixture) changes(t *testing.T, check func(all bool, what string)) {
	t.Helper()
	f.update(t, 0, func(c *conversation.Conversation) { c.Team = "t2" })
	check(false, "a conversation transferred to a team")
	f.update(t, 1, func(c *conversation.Conversation) { c.Abandoned, c.WaitingSince = true, t0.Add(time.Hour) })
	check(false, "a conversation abandoned")
	f.update(t, 2, func(c *conversation.Conversation) { c.Priority = ticket.PriorityUrgent })
	check(false, "a conversation's priority raised")
	f.update(t, 3, func(c *conversation.Conversation) { c.Assignee, c.WaitingSince, c.Abandoned = "a1", time.Time{}, false })
	check(false, "a conversation assigned")
	f.update(t, 5, func(c *conversation.Conversation) { c.Assignee, c.WaitingSince, c.Team = "", t0.Add(-time.Hour), "t1" })
	check(false, "an assigned conversation unassigned, to a team")
	f.update(t, 8, func(c *conversation.Conversation) { c.Bot, c.WaitingSince = "", t0.Add(30*time.Second) })
	check(false, "a held conversation handed off by its bot (R2)")
	f.update(t, 4, func(c *conversation.Conversation) { c.Bot, c.WaitingSince, c.Abandoned = "greeter", time.Time{}, false })
	check(false, "a waiting conversation given to a bot (R2)")
	f.update(t, 21, func(c *conversation.Conversation) { c.Bot, c.Assignee, c.WaitingSince = "greeter", "", time.Time{} })
	check(false, "an assigned conversation given to a bot (R2)")
	f.update(t, 6, func(c *conversation.Conversation) {
		c.State, c.WaitingSince, c.ClosedAt, c.CloseReason = conversation.Closed, time.Time{}, t0, conversation.ReasonAgent
	})
	check(true, "a conversation closed")
}

// testQueuePage: store.ReadQueuePage reads a workspace's queue by group
// and position (R11's automatic assignment, R3), as the contract says,
// while conversations change group and place, and not beyond a
// transaction that rolled back.
func (h *harness) testQueuePage(t *testing.T) {
	s := h.store(t)
	f := newQueueFixture(t, s, "queuepage")
	view := func(all bool, what string) {
		t.Helper()
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error { f.check(t, tx, all, what); return nil }))
	}
	view(true, "as stored")
	f.changes(t, view)

	// Paging through a part of the queue, each page after the last
	// conversation of the one before, reads it all once.
	groups := []store.QueueGroup{{Channel: "qa", Team: ""}, {Channel: "qb", Team: "t1", Abandoned: true}, {Channel: "qa", Team: "t2"}}
	var read []conversation.ID
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		p := store.QueuePage{Groups: groups, Limit: 2}
		for {
			page, err := store.ReadQueuePage(ctx(), tx, f.ws, p)
			if err != nil || len(page) == 0 {
				return err
			}
			read = append(read, ids(page)...)
			p.After = store.QueuePositionOf(&page[len(page)-1])
		}
	}))
	assert.Equal(t, f.want(store.QueuePage{Groups: groups, Limit: store.MaxQueuePage}), read)
	assert.NotEmpty(t, read)

	// Inside a transaction, the page sees its writes; after a rollback,
	// none of them.
	boom := errors.New("no")
	before := slices.Clone(f.convs)
	err := s.Update(ctx(), func(tx store.Tx) error {
		for _, i := range []int{7, 8, 9} {
			c := f.convs[i]
			c.Team, c.Priority, c.Version = "t1", ticket.PriorityHigh, c.Version+1
			if err := tx.UpdateConversation(ctx(), c); err != nil {
				return err
			}
			f.convs[i] = c
		}
		f.check(t, tx, false, "in the transaction")
		return boom
	})
	require.ErrorIs(t, err, boom)
	f.convs = before
	view(false, "after the rollback")

	for _, limit := range []int{-1, 0, store.MaxQueuePage + 1} {
		err := s.View(ctx(), func(tx store.Tx) error {
			_, err := store.ReadQueuePage(ctx(), tx, f.ws, store.QueuePage{Groups: groups, Limit: limit})
			return err
		})
		assert.ErrorIs(t, err, conversation.ErrInvalid, "limit %d", limit)
	}
}

// sameQueuePage asserts that store.ReadQueuePage answers the same through
// tx's QueuePager capability and through Tx.Queue, for every page of f
// (pages).
func sameQueuePage(t *testing.T, tx store.Tx, f *queueFixture, all bool, what string) {
	t.Helper()
	for _, p := range f.pages(all) {
		got, err := store.ReadQueuePage(ctx(), tx, f.ws, p)
		require.NoError(t, err)
		want, err := store.ReadQueuePage(ctx(), bare{tx}, f.ws, p)
		require.NoError(t, err)
		norm := func(cs []conversation.Conversation) []conversation.Conversation {
			var out []conversation.Conversation // no page and an empty one are the same
			for _, c := range cs {
				out = append(out, normConversation(c))
			}
			return out
		}
		assert.Equal(t, norm(want), norm(got), "%s: page %+v", what, p)
	}
}

func (h *harness) testQueuePager(t *testing.T) {
	s := h.store(t)
	if !has[store.QueuePager](t, s) {
		return
	}
	f := newQueueFixture(t, s, "queuepager")
	view := func(all bool, what string) {
		t.Helper()
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error { sameQueuePage(t, tx, f, all, what); return nil }))
	}
	view(true, "as stored")
	f.changes(t, view)
	err := s.View(ctx(), func(tx store.Tx) error {
		_, err := tx.(store.QueuePager).QueuePage(ctx(), f.ws, store.QueuePage{Limit: 0})
		return err
	})
	assert.ErrorIs(t, err, conversation.ErrInvalid, "the capability refuses a page Normalize refuses")
}
