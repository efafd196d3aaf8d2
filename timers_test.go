package contactcenter_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

// withSettings configures channel "tg" of f with settings s.
func withSettings(t *testing.T, f *fixture, s channel.Settings) {
	t.Helper()
	require.NoError(t, f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot", Settings: s}, Transport: f.tr, By: conversation.Host()}))
}

func (f *fixture) fire(t *testing.T) int {
	t.Helper()
	n, err := f.eng.FireTimers(bg)
	require.NoError(t, err)
	return n
}

// R7: a conversation with no message between contact and agent for the
// channel's timeout closes, with reason timeout; its ticket stays open.
// Messages between them reset the timer; automatic ones do not.
func TestMessageTimeout(t *testing.T) {
	f := newFixture(t)
	withSettings(t, f, channel.Settings{MessageTimeout: 10 * time.Minute, Commands: channel.Commands{Enabled: true}})
	c := f.write(t, "chat-1", "u1", "hi").Conversation

	f.clock.Advance(5 * time.Minute)
	f.reply(t, c.ID, "ana", "hello") // resets: due at +15m
	f.clock.Advance(6 * time.Minute)
	f.say(t, "chat-1", "en", "u2", "/tickets") // a command and its automatic answer: no reset
	f.clock.Advance(3*time.Minute + 59*time.Second)
	assert.Zero(t, f.fire(t), "not yet: 9m59s since the reply")
	assert.Equal(t, conversation.Open, f.conversation(t, c.ID).State)
	f.rec.take()

	f.clock.Advance(time.Second)
	assert.Equal(t, 1, f.fire(t))
	got := f.conversation(t, c.ID)
	assert.Equal(t, conversation.Closed, got.State)
	assert.Equal(t, conversation.ReasonTimeout, got.CloseReason)
	assert.Empty(t, got.Assignee)
	tk, err := f.eng.Ticket(bg, ws, c.Ticket)
	require.NoError(t, err)
	assert.Equal(t, ticket.Open, tk.Status, "the ticket stays open")
	evs := f.rec.take()
	require.Len(t, evs, 1)
	assert.Equal(t, conversation.EventConversationClosed, evs[0].Type)
	assert.Equal(t, conversation.ReasonTimeout, evs[0].Reason)
	assert.Zero(t, f.fire(t), "fired once")

	// The contact writes again: a new conversation, with a timer of its own.
	c2 := f.write(t, "chat-1", "u3", "still there?").Conversation
	f.clock.Advance(10 * time.Minute)
	assert.Equal(t, 1, f.fire(t))
	assert.Equal(t, conversation.Closed, f.conversation(t, c2.ID).State)

	// A contact's message resets it too; closing removes it.
	c3 := f.write(t, "chat-1", "u4", "one more").Conversation
	f.clock.Advance(9 * time.Minute)
	f.write(t, "chat-1", "u5", "and another")
	f.clock.Advance(9 * time.Minute)
	assert.Zero(t, f.fire(t))
	_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: c3.ID, By: conversation.Host(), Note: conversation.ClosingNote{}})
	require.NoError(t, err)
	f.clock.Advance(time.Hour)
	assert.Zero(t, f.fire(t), "no timer for a closed conversation")
}

// R7: a process that starts after a conversation's timeout closes it at
// start.
func TestTimeoutAfterRestart(t *testing.T) {
	s := memory.New()
	f := newFixtureOn(t, s, fullCaps)
	withSettings(t, f, channel.Settings{MessageTimeout: time.Minute})
	c := f.write(t, "chat-1", "u1", "hi").Conversation

	later := newFixtureOn(t, s, fullCaps) // the next process, an hour later
	withSettings(t, later, channel.Settings{MessageTimeout: time.Minute})
	later.clock.Advance(time.Hour)
	assert.Equal(t, 1, later.fire(t))
	assert.Equal(t, conversation.Closed, later.conversation(t, c.ID).State)
}

// R7: a channel whose timeout is turned off closes nothing more: the timer
// left from the earlier setting fires once, finds no timeout, and is gone.
func TestTimeoutTurnedOff(t *testing.T) {
	f := newFixture(t)
	withSettings(t, f, channel.Settings{MessageTimeout: time.Minute})
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	withSettings(t, f, channel.Settings{})
	f.clock.Advance(time.Hour)
	assert.Equal(t, 1, f.fire(t))
	assert.Equal(t, conversation.Open, f.conversation(t, c.ID).State)
	f.clock.Advance(time.Hour)
	assert.Zero(t, f.fire(t), "the timer is gone, not claimed again")
}

// R7: the timeout is a whole number of minutes.
func TestTimeoutValidated(t *testing.T) {
	f := newFixture(t)
	for _, d := range []time.Duration{-time.Minute, 90 * time.Second} {
		err := f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "x", Workspace: ws, Kind: channel.KindTelegram, Account: "bot", Settings: channel.Settings{MessageTimeout: d}}, Transport: f.tr, By: conversation.Host()})
		assert.ErrorIs(t, err, channel.ErrInvalid, d.String())
	}
}

// newAssigningFixture has channel "tg" assigning with strategy, and agents
// without capacity limits, offline.
func newAssigningFixture(t *testing.T, s channel.Settings) *fixture {
	t.Helper()
	f := newFixture(t)
	withSettings(t, f, s)
	for _, id := range []conversation.AgentID{"ana", "bruno", "sol"} {
		_, err := f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: id, Presence: conversation.Offline, By: conversation.AsAgent(id)})
		require.NoError(t, err)
	}
	f.rec.take()
	return f
}

func (f *fixture) put(t *testing.T, a conversation.Agent) {
	t.Helper()
	a.Workspace = ws
	_, err := f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: a, By: conversation.Host()})
	require.NoError(t, err)
}

// R11: an agent at capacity gets nothing more until one of theirs closes;
// then they get the oldest waiting one. The queue is served by priority,
// then longest waiting.
func TestAutoAssignCapacity(t *testing.T) {
	f := newAssigningFixture(t, channel.Settings{Assignment: channel.Assignment{Strategy: "least_busy"}})
	first := f.write(t, "c1", "u1", "one").Conversation
	assert.True(t, first.Waiting(), "nobody online")
	f.clock.Advance(time.Minute)
	second := f.write(t, "c2", "u2", "two").Conversation
	f.clock.Advance(time.Minute)
	third := f.write(t, "c3", "u3", "three").Conversation

	f.put(t, conversation.Agent{ID: "ana", Presence: conversation.Online, Capacity: 2})
	assert.Equal(t, conversation.AgentID("ana"), f.conversation(t, first.ID).Assignee, "the oldest first")
	assert.Equal(t, conversation.AgentID("ana"), f.conversation(t, second.ID).Assignee)
	assert.True(t, f.conversation(t, third.ID).Waiting(), "ana is at capacity")
	f.clock.Advance(time.Minute)
	fourth := f.write(t, "c4", "u4", "four").Conversation
	assert.True(t, fourth.Waiting())

	_, err := f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: first.ID, By: conversation.AsAgent("ana"), Note: conversation.ClosingNote{}})
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("ana"), f.conversation(t, third.ID).Assignee, "the oldest waiting one")
	assert.True(t, f.conversation(t, fourth.ID).Waiting())

	// Priority before age.
	f.put(t, conversation.Agent{ID: "bruno", Presence: conversation.Offline, Capacity: 1})
	f.clock.Advance(time.Minute)
	urgent := f.write(t, "c5", "u5", "five").Conversation
	_, err = f.eng.SetPriority(bg, contactcenter.Prioritizing{Workspace: ws, Ticket: urgent.Ticket, Priority: ticket.PriorityUrgent, By: conversation.Host()})
	require.NoError(t, err)
	_, err = f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "bruno", Presence: conversation.Online, By: conversation.AsAgent("bruno")})
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("bruno"), f.conversation(t, urgent.ID).Assignee, "urgent before older")
	assert.True(t, f.conversation(t, fourth.ID).Waiting())
}

// R11: round robin serves the agent who was given one longest ago; least
// busy the agent holding fewest.
func TestAutoAssignStrategies(t *testing.T) {
	f := newAssigningFixture(t, channel.Settings{Assignment: channel.Assignment{Strategy: "round_robin"}})
	f.put(t, conversation.Agent{ID: "ana", Presence: conversation.Online})
	f.put(t, conversation.Agent{ID: "bruno", Presence: conversation.Online})
	var got []conversation.AgentID
	for i := range 4 {
		f.clock.Advance(time.Second)
		got = append(got, f.write(t, "c"+string(rune('a'+i)), "u"+string(rune('a'+i)), "hi").Conversation.Assignee)
	}
	assert.Equal(t, []conversation.AgentID{"ana", "bruno", "ana", "bruno"}, got)

	lb := newAssigningFixture(t, channel.Settings{Assignment: channel.Assignment{Strategy: "least_busy"}})
	lb.put(t, conversation.Agent{ID: "ana", Presence: conversation.Online})
	for i := range 2 {
		lb.write(t, "x"+string(rune('a'+i)), "v"+string(rune('a'+i)), "hi")
	}
	lb.put(t, conversation.Agent{ID: "bruno", Presence: conversation.Online})
	lb.clock.Advance(time.Second)
	c := lb.write(t, "y", "w", "hi").Conversation
	assert.Equal(t, conversation.AgentID("bruno"), c.Assignee, "bruno holds none, ana two")

	// A team: only its members.
	team := newAssigningFixture(t, channel.Settings{Assignment: channel.Assignment{Strategy: "least_busy", Team: "billing"}})
	team.put(t, conversation.Agent{ID: "ana", Presence: conversation.Online})
	team.put(t, conversation.Agent{ID: "bruno", Presence: conversation.Online, Teams: []conversation.TeamID{"billing"}})
	assert.Equal(t, conversation.AgentID("bruno"), team.write(t, "z", "z", "hi").Conversation.Assignee)
	assert.Equal(t, conversation.AgentID("bruno"), team.write(t, "z2", "z2", "hi").Conversation.Assignee, "ana is not in billing")
}

// R11: a host's own strategy, by name; an unknown name is refused when the
// channel is configured.
func TestCustomStrategy(t *testing.T) {
	s := memory.New()
	sticky := conversation.StrategyFunc(func(c *conversation.Conversation, cs []conversation.Candidate) int {
		for i, cand := range cs {
			if cand.Agent.ID == "sol" {
				return i
			}
		}
		return -1
	})
	f := newFixtureOn(t, s, fullCaps)
	eng, err := contactcenter.New(contactcenter.Config{Store: s, Now: f.clock.Now, Strategies: map[string]conversation.Strategy{"sol_first": sticky}})
	require.NoError(t, err)
	f.eng = eng
	err = f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Assignment: channel.Assignment{Strategy: "nope"}}}, Transport: f.tr, By: conversation.Host()})
	assert.ErrorIs(t, err, channel.ErrInvalid)
	withSettings(t, f, channel.Settings{Assignment: channel.Assignment{Strategy: "sol_first"}})
	f.write(t, "c1", "u1", "hi")
	c := f.write(t, "c2", "u2", "hi").Conversation
	assert.Equal(t, conversation.AgentID("sol"), c.Assignee)
}

// R3: an agent who goes offline has their conversations reassigned to
// another eligible agent; with none, they wait flagged abandoned and go to
// the first agent who comes online.
func TestReassignAbandoned(t *testing.T) {
	f := newAssigningFixture(t, channel.Settings{ReassignAbandoned: true})
	f.put(t, conversation.Agent{ID: "ana", Presence: conversation.Online})
	a := f.write(t, "c1", "u1", "hi").Conversation
	b := f.write(t, "c2", "u2", "hi").Conversation
	f.reply(t, a.ID, "ana", "mine")
	f.reply(t, b.ID, "ana", "mine too")
	f.put(t, conversation.Agent{ID: "bruno", Presence: conversation.Online, Capacity: 1})
	f.rec.take()

	_, err := f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "ana", Presence: conversation.Offline, By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	ga, gb := f.conversation(t, a.ID), f.conversation(t, b.ID)
	assert.Equal(t, conversation.AgentID("bruno"), ga.Assignee, "to the other eligible agent")
	assert.False(t, ga.Abandoned)
	assert.True(t, gb.Waiting(), "bruno is at capacity")
	assert.True(t, gb.Abandoned, "flagged abandoned")
	types := types(f.rec.take())
	assert.Contains(t, types, conversation.EventConversationAbandoned)
	assert.Contains(t, types, conversation.EventPresenceChanged)

	_, err = f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "sol", Presence: conversation.Online, By: conversation.AsAgent("sol")})
	require.NoError(t, err)
	gb = f.conversation(t, b.ID)
	assert.Equal(t, conversation.AgentID("sol"), gb.Assignee, "as soon as someone is eligible")
	assert.False(t, gb.Abandoned)

	// Without R3 the conversations stay with the agent who left.
	off := newAssigningFixture(t, channel.Settings{})
	off.put(t, conversation.Agent{ID: "ana", Presence: conversation.Online})
	c := off.write(t, "c1", "u1", "hi").Conversation
	off.reply(t, c.ID, "ana", "mine")
	_, err = off.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "ana", Presence: conversation.Offline, By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("ana"), off.conversation(t, c.ID).Assignee)
}

// R3: an agent whose heartbeats stop for the grace period counts as
// disconnected.
func TestHeartbeats(t *testing.T) {
	f := newAssigningFixture(t, channel.Settings{ReassignAbandoned: true})
	a, err := f.eng.Heartbeat(bg, ws, "ana")
	require.NoError(t, err)
	assert.Equal(t, conversation.Online, a.Presence, "a heartbeat brings an offline agent online")
	_, err = f.eng.Heartbeat(bg, ws, "zoe")
	assert.ErrorIs(t, err, conversation.ErrAgentNotFound)
	c := f.write(t, "c1", "u1", "hi").Conversation
	f.reply(t, c.ID, "ana", "mine")
	f.put(t, conversation.Agent{ID: "bruno", Presence: conversation.Online})
	f.rec.take()

	for range 3 {
		f.clock.Advance(60 * time.Second)
		_, err := f.eng.Heartbeat(bg, ws, "ana")
		require.NoError(t, err)
		assert.Zero(t, f.fire(t), "heartbeats within the grace period")
	}
	f.clock.Advance(89 * time.Second)
	assert.Zero(t, f.fire(t))
	f.clock.Advance(time.Second)
	assert.Equal(t, 1, f.fire(t), "90s without a heartbeat")
	got, err := f.eng.Agent(bg, ws, "ana")
	require.NoError(t, err)
	assert.Equal(t, conversation.Offline, got.Presence)
	assert.Equal(t, conversation.AgentID("bruno"), f.conversation(t, c.ID).Assignee, "reassigned (R3)")
	evs := f.rec.take()
	require.NotEmpty(t, evs)
	assert.Equal(t, conversation.EventPresenceChanged, evs[0].Type)
	assert.Equal(t, conversation.Offline, evs[0].Presence)

	// An agent who says they leave is not waited for.
	_, err = f.eng.Heartbeat(bg, ws, "bruno")
	require.NoError(t, err)
	_, err = f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "bruno", Presence: conversation.Offline, By: conversation.AsAgent("bruno")})
	require.NoError(t, err)
	f.clock.Advance(time.Hour)
	assert.Zero(t, f.fire(t))
}
