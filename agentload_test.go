package contactcenter_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
)

// Agents come by id with their presence and the open conversations they
// hold; a closed one no longer counts, and another workspace has none.
func TestEngineAgentsWithLoad(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixtureOn(t, s, fullCaps)
		c1 := f.write(t, "c1", "u-1", "hola").Conversation
		c2 := f.write(t, "c2", "u-2", "hola").Conversation
		c3 := f.write(t, "c3", "u-3", "hola").Conversation
		f.reply(t, c1.ID, "ana", "hola")
		f.reply(t, c2.ID, "ana", "hola")
		f.reply(t, c3.ID, "bruno", "hola")
		_, err := f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "bruno", Presence: conversation.Away, By: conversation.AsAgent("bruno")})
		require.NoError(t, err)

		got, err := f.eng.AgentsWithLoad(bg, ws)
		require.NoError(t, err)
		require.Len(t, got, 3)
		type row struct {
			id       conversation.AgentID
			presence conversation.Presence
			open     int
		}
		var rows []row
		for _, a := range got {
			rows = append(rows, row{a.Agent.ID, a.Agent.Presence, a.Open})
		}
		assert.Equal(t, []row{{"ana", conversation.Online, 2}, {"bruno", conversation.Away, 1}, {"sol", conversation.Online, 0}}, rows)

		_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: c3.ID, By: conversation.AsAgent("bruno")})
		require.NoError(t, err)
		got, err = f.eng.AgentsWithLoad(bg, ws)
		require.NoError(t, err)
		assert.Equal(t, 0, got[1].Open, "a closed conversation is no load")

		none, err := f.eng.AgentsWithLoad(bg, "elsewhere")
		require.NoError(t, err)
		assert.Empty(t, none)
	})
}
