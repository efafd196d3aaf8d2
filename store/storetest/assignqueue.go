package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// testAssignBehindHead checks, through the engine, that conversations no
// agent can take at the head of the queue hide none behind them from
// automatic assignment (R11, R3), however many: 250 (more than a step
// reads) and 1,100.
func (h *harness) testAssignBehindHead(t *testing.T) {
	for _, n := range []int{250, 1100} {
		t.Run(fmt.Sprint("head=", n), func(t *testing.T) { h.assignBehindHead(t, n) })
	}
}

// refuseMarked is a host's strategy that refuses the conversations of
// contacts whose external id begins "refuse-", and is least busy for the
// others.
var refuseMarked = conversation.StrategyFunc(func(c *conversation.Conversation, cs []conversation.Candidate) int {
	if strings.HasPrefix(c.ContactExternalID, "refuse-") {
		return -1
	}
	return conversation.LeastBusy.Choose(c, cs)
})

func (h *harness) assignBehindHead(t *testing.T, n int) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("assign-head"))
	bg := context.Background()
	now := t0.Add(time.Hour)
	eng, err := contactcenter.New(contactcenter.Config{Store: s, MaxAttempts: 1000, Now: func() time.Time { return now },
		Publish:    func(context.Context, conversation.Event) error { return nil },
		Strategies: map[string]conversation.Strategy{"refuse_marked": refuseMarked}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	for _, c := range []channel.Channel{
		{ID: "manual"}, // waits for a person
		{ID: "auto", Settings: channel.Settings{Assignment: channel.Assignment{Strategy: "least_busy"}}},
		{ID: "sales", Settings: channel.Settings{Assignment: channel.Assignment{Strategy: "least_busy", Team: "sales"}}},
		{ID: "picky", Settings: channel.Settings{Assignment: channel.Assignment{Strategy: "refuse_marked"}}},
	} {
		c.Workspace, c.Kind, c.Account = ws, channel.KindMemory, "bot-"+string(c.ID)
		require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: c, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	}
	require.NoError(t, eng.PutTeam(bg, contactcenter.TeamChange{Team: conversation.Team{ID: "sales", Workspace: ws, Name: "Sales"}, By: conversation.Host()}))
	put := func(a conversation.Agent) {
		t.Helper()
		a.Workspace, a.Name = ws, string(a.ID)
		_, err := eng.PutAgent(bg, contactcenter.AgentChange{Agent: a, By: conversation.Host()})
		require.NoError(t, err)
	}
	sales := []conversation.TeamID{"sales"}
	put(conversation.Agent{ID: "sam", Teams: sales, Presence: conversation.Online, Capacity: 1})
	put(conversation.Agent{ID: "ana", Presence: conversation.Offline, Capacity: 1})

	// Stored directly, oldest first: sam's conversation (sam is at
	// capacity), then the head, n conversations no one can take — on a
	// channel that does not assign, waiting for sales, refused by the
	// host's strategy — then x1 and x2, which ana can take.
	var head []conversation.ID
	var salesQueue []conversation.ID
	store1 := func(tx store.Tx, id string, ch channel.ID, ext string, at time.Time, assignee conversation.AgentID) error {
		c := newContact(ws, ticket.ContactID("c-"+id))
		if err := tx.CreateContact(ctx(), c, ch, ext); err != nil {
			return err
		}
		num, err := tx.NextTicketNumber(ctx(), ws)
		if err != nil {
			return err
		}
		tk := newTicket(ws, ticket.ID("t-"+id), num, c.ID)
		if err := tx.CreateTicket(ctx(), tk); err != nil {
			return err
		}
		cv := newConversation(ws, conversation.ID(id), tk, ch)
		cv.ContactExternalID, cv.WaitingSince, cv.OpenedAt, cv.LastActivity = ext, at, at, at
		if assignee != "" {
			cv.Assignee, cv.WaitingSince = assignee, time.Time{}
		}
		return tx.CreateConversation(ctx(), cv)
	}
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		if err := store1(tx, "held", "sales", "held", t0, "sam"); err != nil {
			return err
		}
		for i := range n {
			id := fmt.Sprintf("h%04d", i)
			ch, ext := [...]channel.ID{"manual", "sales", "picky"}[i%3], "ext-"+id
			if ch == "picky" {
				ext = "refuse-" + id
			}
			if ch == "sales" {
				salesQueue = append(salesQueue, conversation.ID(id))
			}
			head = append(head, conversation.ID(id))
			if err := store1(tx, id, ch, ext, t0.Add(time.Duration(i)*time.Millisecond), ""); err != nil {
				return err
			}
		}
		for i, id := range []string{"x1", "x2"} {
			if err := store1(tx, id, "auto", "ext-"+id, t0.Add(time.Minute+time.Duration(i)*time.Second), ""); err != nil {
				return err
			}
		}
		return nil
	}))
	get := func(id conversation.ID) conversation.Conversation {
		t.Helper()
		c, err := eng.Conversation(bg, ws, id)
		require.NoError(t, err)
		return c
	}
	waiting := func(what string, ids ...conversation.ID) {
		t.Helper()
		q, err := eng.Queue(bg, ws, 0)
		require.NoError(t, err)
		in := make(map[conversation.ID]bool, len(q))
		for _, c := range q {
			in[c.ID] = true
		}
		for _, id := range ids {
			if !in[id] {
				assert.Fail(t, "still waiting", "%s: %s is assigned to %s", what, id, get(id).Assignee)
				return
			}
		}
	}

	// An agent coming online gets the oldest conversation they can take,
	// behind the head; an agent given more room, the next.
	_, err = eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "ana", Presence: conversation.Online, By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("ana"), get("x1").Assignee, "the oldest ana can take, behind %d she cannot", n)
	waiting("ana has no more room", "x2")
	waiting("no one can take the head", head...)
	put(conversation.Agent{ID: "ana", Presence: conversation.Online, Capacity: 2})
	assert.Equal(t, conversation.AgentID("ana"), get("x2").Assignee, "ana has room for one more")

	// An opening, behind the head, goes to the agent with room.
	put(conversation.Agent{ID: "ana", Presence: conversation.Online, Capacity: 4})
	r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "auto", ExternalID: "m-new", From: contactcenter.Sender{ExternalID: "new"}, Text: "hello"})
	require.NoError(t, err)
	require.True(t, r.Opened)
	assert.Equal(t, conversation.AgentID("ana"), get(r.Conversation.ID).Assignee, "opened behind %d no one can take", n)
	// And one that the host's strategy takes, behind those it refuses on
	// the same channel.
	r, err = eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "picky", ExternalID: "m-ok", From: contactcenter.Sender{ExternalID: "ok"}, Text: "hello"})
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("ana"), get(r.Conversation.ID).Assignee, "behind %d the strategy refuses", n/3)
	waiting("no one can take the head", head...)

	// A team with room again gets its oldest conversation, deep in the
	// queue.
	_, err = eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: "held", By: conversation.AsAgent("sam")})
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("sam"), get(salesQueue[0]).Assignee, "sales's oldest, behind a channel that does not assign")
	waiting("sam has no more room", salesQueue[1:]...)

	// An agent with no limit who joins the team takes the rest of it, in
	// more steps than one, and nothing else.
	put(conversation.Agent{ID: "ana", Teams: sales, Presence: conversation.Online})
	var loads map[conversation.AgentID]int
	require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) { loads, err = store.Workload(ctx(), tx, ws); return err }))
	assert.Equal(t, map[conversation.AgentID]int{"sam": 1, "ana": 4 + len(salesQueue) - 1}, loads,
		"ana holds x1, x2, two openings and the rest of sales")
	var rest []conversation.ID
	for i, id := range head {
		if i%3 != 1 {
			rest = append(rest, id)
		}
	}
	waiting("no one can take them", rest...)
	q, err := eng.Queue(bg, ws, 0)
	require.NoError(t, err)
	assert.Len(t, q, len(rest))
}
