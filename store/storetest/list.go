package storetest

import (
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

// listFixture is a workspace's conversations as stored, with the tags of
// their tickets: what Tx.Conversations must answer is computed from it.
type listFixture struct {
	ws      ticket.WorkspaceID
	convs   map[conversation.ID]conversation.Conversation
	tickets map[ticket.ID]ticket.Ticket
}

// listConversation is conversation i of a list fixture: channels, states,
// assignees, teams, waiting times and tags vary with i, and opening times
// repeat, so that the order needs its tie on id.
func listConversation(ws ticket.WorkspaceID, i int) (ticket.Contact, ticket.Ticket, conversation.Conversation) {
	c := newContact(ws, ticket.ContactID(fmt.Sprintf("lc-%02d", i)))
	tk := newTicket(ws, ticket.ID(fmt.Sprintf("lt-%02d", i)), ticket.Number(i+1), c.ID)
	switch {
	case i%7 == 0:
		tk.Tags = []string{"billing", "vip"}
	case i%3 == 1:
		tk.Tags = []string{"vip"}
	}
	cv := newConversation(ws, conversation.ID(fmt.Sprintf("lv-%02d", i)), tk, channel.ID([]string{"ch-a", "ch-b"}[i%2]))
	cv.OpenedAt = t0.Add(time.Duration(i%10) * time.Minute)
	cv.LastActivity = cv.OpenedAt
	cv.WaitingSince = time.Time{}
	if i%5 < 2 {
		cv.Team = "team-1"
	}
	if i%4 == 1 {
		cv.Assignee = "agent-1"
	}
	switch {
	case i%3 == 0:
		cv.State, cv.ClosedAt, cv.CloseReason = conversation.Closed, cv.OpenedAt.Add(time.Hour), conversation.ReasonAgent
	case cv.Assignee == "":
		cv.WaitingSince = t0.Add(time.Duration(i) * time.Minute)
	}
	return c, tk, cv
}

// seedList stores n list conversations in ws, in an order other than
// theirs.
func seedList(t testing.TB, s store.Store, ws ticket.WorkspaceID, n int) *listFixture {
	t.Helper()
	f := &listFixture{ws: ws, convs: map[conversation.ID]conversation.Conversation{}, tickets: map[ticket.ID]ticket.Ticket{}}
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for k := range n {
			i := (k * 37) % n
			c, tk, cv := listConversation(ws, i)
			if err := tx.CreateContact(ctx(), c, cv.Channel, "ext-"+string(c.ID)); err != nil {
				return err
			}
			if err := tx.CreateTicket(ctx(), tk); err != nil {
				return err
			}
			if err := tx.CreateConversation(ctx(), cv); err != nil {
				return err
			}
			f.convs[cv.ID], f.tickets[tk.ID] = cv, tk
		}
		return nil
	}))
	return f
}

// want returns what a listing of every page of filter ff finds, in order.
func (f *listFixture) want(ff store.ConversationFilter) []conversation.Conversation {
	var out []conversation.Conversation
	for _, c := range f.convs {
		if !ff.Match(c) || (ff.Tag != "" && !f.tickets[c.Ticket].HasTag(ff.Tag)) {
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b conversation.Conversation) int {
		if store.ConversationLess(a, b) {
			return -1
		}
		return 1
	})
	return out
}

// listAll pages through filter ff, checking that every page but the last
// is full and only the last has no next cursor.
func listAll(t testing.TB, s store.Store, ws ticket.WorkspaceID, ff store.ConversationFilter) []conversation.Conversation {
	t.Helper()
	return allPages(t, s, func(tx store.Tx, after store.ConversationCursor) ([]conversation.Conversation, store.ConversationCursor, error) {
		f := ff // the first page starts at ff.After
		if after != "" {
			f.After = after
		}
		return tx.Conversations(ctx(), ws, f)
	}, normConversation, func(page []conversation.Conversation) {
		require.Len(t, page, ff.Limit, "a page with a next cursor is full")
	})
}

func normAll(cs []conversation.Conversation) []conversation.Conversation {
	if len(cs) == 0 {
		return nil
	}
	out := make([]conversation.Conversation, len(cs))
	for i, c := range cs {
		out[i] = normConversation(c)
	}
	return out
}

func (h *harness) testConversationList(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("list"))
	other := ticket.WorkspaceID(newWorkspace("list-other"))
	f := seedList(t, s, ws, 60)
	seedList(t, s, other, 60) // the same ids in another workspace
	filters := map[string]store.ConversationFilter{
		"none":            {},
		"open":            {State: conversation.Open},
		"closed":          {State: conversation.Closed},
		"assignee":        {Assignee: "agent-1"},
		"team":            {Team: "team-1"},
		"channel":         {Channel: "ch-b"},
		"tag":             {Tag: "vip"},
		"tag trimmed":     {Tag: " billing "},
		"waiting before":  {WaitingBefore: t0.Add(30 * time.Minute)},
		"waiting after":   {WaitingAfter: t0.Add(30 * time.Minute)},
		"waiting between": {WaitingAfter: t0.Add(10 * time.Minute), WaitingBefore: t0.Add(40 * time.Minute)},
		"open on channel": {State: conversation.Open, Channel: "ch-a"},
		"tag team open":   {Tag: "vip", Team: "team-1", State: conversation.Open},
		"assignee closed": {Assignee: "agent-1", State: conversation.Closed},
		"unknown agent":   {Assignee: "nobody"},
		"unknown tag":     {Tag: "nothing"},
	}
	for name, ff := range filters {
		t.Run(name, func(t *testing.T) {
			for _, limit := range []int{1, 7, 200} {
				ff.Limit = limit
				want := f.want(store.ConversationFilter{State: ff.State, Assignee: ff.Assignee, Team: ff.Team,
					Channel: ff.Channel, Tag: "", WaitingBefore: ff.WaitingBefore, WaitingAfter: ff.WaitingAfter})
				if ff.Tag != "" {
					want = f.want(ff)
				}
				got := listAll(t, s, ws, ff)
				assert.Equal(t, normAll(want), got, "limit %d", limit)
			}
		})
	}
	for _, name := range []string{"tag team open", "assignee closed", "waiting between"} {
		assert.NotEmpty(t, f.want(filters[name]), "the fixture exercises %s", name)
	}

	t.Run("default page", func(t *testing.T) {
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
			page, next, err := tx.Conversations(ctx(), ws, store.ConversationFilter{})
			require.NoError(t, err)
			assert.Len(t, page, store.DefaultConversationPage)
			assert.NotEmpty(t, next)
			return nil
		}))
	})
	t.Run("unknown workspace", func(t *testing.T) {
		assert.Empty(t, listAll(t, s, ticket.WorkspaceID(newWorkspace("list-none")), store.ConversationFilter{Limit: 10}))
	})
}

// Tag rows follow the ticket: a tag added or removed by UpdateTicket
// shows in the filter, and a rolled back one does not.
func (h *harness) testConversationListTags(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("list-tags"))
	f := seedList(t, s, ws, 12)
	tagged := f.tickets["lt-02"] // no tags
	tagged.Tags, tagged.Version = []string{"new"}, 2
	untagged := f.tickets["lt-07"] // billing, vip
	untagged.Tags, untagged.Version = []string{"billing"}, 2
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.UpdateTicket(ctx(), tagged); err != nil {
			return err
		}
		return tx.UpdateTicket(ctx(), untagged)
	}))
	f.tickets[tagged.ID], f.tickets[untagged.ID] = tagged, untagged
	rollback := f.tickets["lt-04"]
	rollback.Tags, rollback.Version = []string{"new"}, 2
	err := s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.UpdateTicket(ctx(), rollback); err != nil {
			return err
		}
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	for _, tag := range []string{"new", "vip", "billing"} {
		ff := store.ConversationFilter{Tag: tag, Limit: 3}
		assert.Equal(t, normAll(f.want(ff)), listAll(t, s, ws, ff), tag)
	}
	assert.Equal(t, []conversation.ID{"lv-02"}, ids(listAll(t, s, ws, store.ConversationFilter{Tag: "new"})))
}

var errRollback = fmt.Errorf("storetest: roll back")

func ids(cs []conversation.Conversation) []conversation.ID {
	out := make([]conversation.ID, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// A cursor is a position, not an offset: conversations added or changed
// after a page was read neither repeat nor hide the ones after it.
func (h *harness) testConversationListCursor(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("list-cursor"))
	f := seedList(t, s, ws, 30)
	ff := store.ConversationFilter{State: conversation.Open, Limit: 5}
	var first []conversation.Conversation
	var next store.ConversationCursor
	require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) {
		first, next, err = tx.Conversations(ctx(), ws, ff)
		return err
	}))
	require.Len(t, first, 5)
	require.NotEmpty(t, next)
	last := first[len(first)-1]

	// Meanwhile: one conversation opens before the cursor and one after,
	// one of the first page gets an agent, one after it closes.
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for i, at := range []time.Time{last.OpenedAt.Add(-time.Second), t0.Add(time.Hour)} {
			c, tk, cv := listConversation(ws, 100+i)
			cv.OpenedAt, cv.State, cv.ClosedAt, cv.CloseReason = at, conversation.Open, time.Time{}, ""
			if err := tx.CreateContact(ctx(), c, cv.Channel, "ext-"+string(c.ID)); err != nil {
				return err
			}
			if err := tx.CreateTicket(ctx(), tk); err != nil {
				return err
			}
			if err := tx.CreateConversation(ctx(), cv); err != nil {
				return err
			}
			f.convs[cv.ID], f.tickets[tk.ID] = cv, tk
		}
		moved := f.convs[first[0].ID]
		moved.Assignee, moved.WaitingSince, moved.Version = "agent-2", time.Time{}, moved.Version+1
		if err := tx.UpdateConversation(ctx(), moved); err != nil {
			return err
		}
		f.convs[moved.ID] = moved
		return nil
	}))
	var rest []conversation.Conversation
	for _, c := range f.want(store.ConversationFilter{State: conversation.Open}) {
		if store.ConversationLess(last, c) {
			rest = append(rest, c)
		}
	}
	ff.After = next
	got := listAll(t, s, ws, ff)
	assert.Equal(t, normAll(rest), got)
	assert.Contains(t, ids(got), conversation.ID("lv-101"))
	assert.NotContains(t, ids(got), conversation.ID("lv-100"))
	for _, c := range first {
		assert.NotContains(t, ids(got), c.ID)
	}
}

// Filters the contract refuses fail with conversation.ErrInvalid.
func (h *harness) testConversationListInvalid(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("list-invalid"))
	seedList(t, s, ws, 3)
	for name, ff := range map[string]store.ConversationFilter{
		"limit above max": {Limit: store.MaxConversationPage + 1},
		"negative limit":  {Limit: -1},
		"unknown state":   {State: 9},
		"blank tag":       {Tag: "  "},
		"long tag":        {Tag: string(make([]byte, ticket.MaxTagLen+1))},
		"bad cursor":      {After: "not a cursor!"},
		"cursor shape":    {After: "YWJj"},
	} {
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
			page, next, err := tx.Conversations(ctx(), ws, ff)
			assert.ErrorIs(t, err, conversation.ErrInvalid, name)
			assert.Empty(t, page, name)
			assert.Empty(t, next, name)
			return nil
		}), name)
	}
}
