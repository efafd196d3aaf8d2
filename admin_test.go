package contactcenter_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// Putting agents and teams names who does it, with a typed actor: none is
// CodeInvalid, an agent the workspace does not have CodeNotFound, an agent
// who is no supervisor and a contact CodeForbidden, each with nothing
// stored; a supervisor, the host and an automation may, and the events
// carry who did it (R17, R19).
func TestPutAgentAndTeamNeedAnActor(t *testing.T) {
	f := newFixture(t)
	cleo := conversation.Agent{ID: "cleo", Workspace: ws, Name: "Cleo", Presence: conversation.Online}
	refused := map[string]struct {
		by   conversation.Actor
		want error
	}{
		"no actor":                   {conversation.Actor{}, contactcenter.ErrInvalid},
		"an agent without id":        {conversation.Actor{Kind: conversation.ActorAgent}, contactcenter.ErrInvalid},
		"an unknown agent":           {conversation.AsAgent("nobody"), contactcenter.ErrNotFound},
		"an agent, not a supervisor": {conversation.AsAgent("ana"), contactcenter.ErrForbidden},
		"a contact":                  {conversation.AsContact("k1"), contactcenter.ErrForbidden},
	}
	for name, tt := range refused {
		_, err := f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: cleo, By: tt.by})
		assert.ErrorIs(t, err, tt.want, "put agent: %s", name)
		err = f.eng.PutTeam(bg, contactcenter.TeamChange{Team: conversation.Team{ID: "vip", Workspace: ws, Name: "VIP"}, By: tt.by})
		assert.ErrorIs(t, err, tt.want, "put team: %s", name)
	}
	_, err := f.eng.Agent(bg, ws, "cleo")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "no agent was stored")
	assert.Empty(t, f.rec.take(), "nothing was published")

	// Ana may not raise her own role.
	ana, err := f.eng.Agent(bg, ws, "ana")
	require.NoError(t, err)
	boss := ana
	boss.Role = conversation.RoleSupervisor
	_, err = f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: boss, By: conversation.AsAgent("ana")})
	assert.ErrorIs(t, err, contactcenter.ErrForbidden)
	after, err := f.eng.Agent(bg, ws, "ana")
	require.NoError(t, err)
	assert.Equal(t, ana, after, "unchanged")

	// A supervisor puts an agent: the presence event is theirs.
	got, err := f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: cleo, By: conversation.AsAgent("sol")})
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Version)
	evs := f.rec.take()
	require.NotEmpty(t, evs)
	assert.Equal(t, conversation.EventPresenceChanged, evs[0].Type)
	assert.Equal(t, conversation.AsAgent("sol"), evs[0].Actor, "the event carries who put the agent")

	// A workflow takes her offline.
	cleo.Presence = conversation.Offline
	got, err = f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: cleo, By: conversation.AsWorkflow("run-7")})
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
	evs = f.rec.take()
	require.NotEmpty(t, evs)
	assert.Equal(t, conversation.AsWorkflow("run-7"), evs[0].Actor)

	require.NoError(t, f.eng.PutTeam(bg, contactcenter.TeamChange{Team: conversation.Team{ID: "vip", Workspace: ws, Name: "VIP"}, By: conversation.AsAgent("sol")}))
	require.NoError(t, f.eng.PutTeam(bg, contactcenter.TeamChange{Team: conversation.Team{ID: "vip", Workspace: ws, Name: "VIP 2"}, By: conversation.Host()}))

	// A supervisor of another workspace is unknown here.
	_, err = f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "zoe", Workspace: "globex", Name: "Zoe", Role: conversation.RoleSupervisor}, By: conversation.Host()})
	require.NoError(t, err)
	_, err = f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: cleo, By: conversation.AsAgent("zoe")})
	assert.ErrorIs(t, err, contactcenter.ErrNotFound)
}

// Setting and clearing a host's timer names who does it: none is
// CodeInvalid and an agent the workspace does not have CodeNotFound, with
// nothing set or cleared; an agent, a contact or an automation may.
func TestTimersNeedAnActor(t *testing.T) {
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), Now: func() time.Time { return t0 },
		Timers: map[conversation.TimerKind]contactcenter.TimerHandler{"crm.follow_up": func(context.Context, conversation.Timer) error { return nil }}})
	require.NoError(t, err)
	_, err = eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws, Name: "Ana"}, By: conversation.Host()})
	require.NoError(t, err)
	tm := conversation.Timer{Kind: "crm.follow_up", Workspace: ws, Key: "case-17", Due: t0.Add(time.Hour), Payload: []byte("call back")}

	for name, by := range map[string]conversation.Actor{"no actor": {}, "a bot without name": {Kind: conversation.ActorBot}} {
		assert.ErrorIs(t, eng.SetTimer(bg, contactcenter.TimerSetting{Timer: tm, By: by}), contactcenter.ErrInvalid, name)
	}
	assert.ErrorIs(t, eng.SetTimer(bg, contactcenter.TimerSetting{Timer: tm, By: conversation.AsAgent("nobody")}), contactcenter.ErrNotFound)
	_, err = eng.Timer(bg, "crm.follow_up", ws, "case-17")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "nothing was set")

	for _, by := range []conversation.Actor{conversation.AsAgent("ana"), conversation.AsContact("k1"), conversation.AsWorkflow("run-1"), conversation.Host()} {
		require.NoError(t, eng.SetTimer(bg, contactcenter.TimerSetting{Timer: tm, By: by}), by.String())
	}
	got, err := eng.Timer(bg, "crm.follow_up", ws, "case-17")
	require.NoError(t, err)
	assert.Equal(t, []byte("call back"), got.Payload)

	clearing := contactcenter.TimerClearing{Kind: "crm.follow_up", Workspace: ws, Key: "case-17"}
	assert.ErrorIs(t, eng.ClearTimer(bg, clearing), contactcenter.ErrInvalid, "no actor")
	clearing.By = conversation.AsAgent("nobody")
	assert.ErrorIs(t, eng.ClearTimer(bg, clearing), contactcenter.ErrNotFound)
	_, err = eng.Timer(bg, "crm.follow_up", ws, "case-17")
	require.NoError(t, err, "still set")

	clearing.By = conversation.AsAgent("ana")
	require.NoError(t, eng.ClearTimer(bg, clearing))
	_, err = eng.Timer(bg, "crm.follow_up", ws, "case-17")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "cleared")
	require.NoError(t, eng.ClearTimer(bg, clearing), "clearing a timer that is not set is no error")
	clearing.Kind = conversation.TimerTimeout
	assert.ErrorIs(t, eng.ClearTimer(bg, clearing), contactcenter.ErrInvalid, "the engine's kind")
}
