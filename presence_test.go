package contactcenter_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
)

// R17: a presence change names who made it; no actor is refused and
// changes nothing.
func TestSetPresenceNoActor(t *testing.T) {
	f := newFixture(t)
	_, err := f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "ana", Presence: conversation.Away})
	require.Error(t, err)
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err))
	assert.ErrorIs(t, err, conversation.ErrInvalid)
	got, err := f.eng.Agent(bg, ws, "ana")
	require.NoError(t, err)
	assert.Equal(t, conversation.Online, got.Presence, "unchanged")
	assert.Empty(t, f.rec.take(), "nothing published")
}

// R17: an agent sets their own presence; another agent who is not a
// supervisor, and a contact, may not set it, and change nothing.
func TestSetPresenceForbidden(t *testing.T) {
	f := newFixture(t)
	for _, by := range []conversation.Actor{conversation.AsAgent("bruno"), conversation.AsContact("c1")} {
		_, err := f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "ana", Presence: conversation.Offline, By: by})
		assert.Equal(t, contactcenter.CodeForbidden, contactcenter.ErrorCode(err), "%s", by)
		assert.ErrorIs(t, err, conversation.ErrForbidden)
	}
	got, err := f.eng.Agent(bg, ws, "ana")
	require.NoError(t, err)
	assert.Equal(t, conversation.Online, got.Presence, "unchanged by the refused calls")
	assert.Empty(t, f.rec.take(), "nothing published")

	a, err := f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "ana", Presence: conversation.Away, By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.Equal(t, conversation.Away, a.Presence)
	evs := f.rec.take()
	require.Len(t, evs, 1)
	assert.Equal(t, conversation.AsAgent("ana"), evs[0].Actor, "the agent themselves")
}

// R17, R3: a supervisor sets another agent's presence; the presence event
// and the reassignments it causes carry the supervisor.
func TestSetPresenceBySupervisor(t *testing.T) {
	f := newAssigningFixture(t, channel.Settings{ReassignAbandoned: true})
	f.put(t, conversation.Agent{ID: "ana", Presence: conversation.Online})
	c := f.write(t, "c1", "u1", "hi").Conversation
	f.reply(t, c.ID, "ana", "mine")
	f.put(t, conversation.Agent{ID: "bruno", Presence: conversation.Online})
	f.rec.take()

	a, err := f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "ana", Presence: conversation.Offline, By: conversation.AsAgent("sol")})
	require.NoError(t, err, "sol is a supervisor")
	assert.Equal(t, conversation.Offline, a.Presence)
	assert.Equal(t, conversation.AgentID("bruno"), f.conversation(t, c.ID).Assignee, "R3")
	evs := f.rec.take()
	require.Len(t, evs, 3)
	assert.Equal(t, conversation.EventPresenceChanged, evs[0].Type)
	assert.Equal(t, conversation.EventConversationAbandoned, evs[1].Type, "R3: released from ana")
	for _, ev := range evs[:2] {
		assert.Equal(t, conversation.AsAgent("sol"), ev.Actor, "%s: the step runs as the supervisor", ev.Type)
		assert.Equal(t, "set presence", ev.Cause.Name)
	}
	assert.Equal(t, conversation.EventConversationAssigned, evs[2].Type, "R11: taken by bruno")
	assert.Equal(t, conversation.System(), evs[2].Actor, "the queue's reaction")
	assert.Equal(t, evs[0].Cause.ID, evs[2].Cause.Root, "caused by the supervisor's command")
}

// R17: the host, the engine's rules and the automations may set an
// agent's presence; the event carries them.
func TestSetPresenceByHost(t *testing.T) {
	f := newFixture(t)
	for i, by := range []conversation.Actor{conversation.Host(), conversation.System(), conversation.AsBot("triage")} {
		p := []conversation.Presence{conversation.Away, conversation.Online, conversation.Away}[i]
		a, err := f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "ana", Presence: p, By: by})
		require.NoError(t, err, "%s", by)
		assert.Equal(t, p, a.Presence)
		evs := f.rec.take()
		require.Len(t, evs, 1)
		assert.Equal(t, conversation.EventPresenceChanged, evs[0].Type)
		assert.Equal(t, by, evs[0].Actor)
	}
}
