package conversation_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
)

// Reset empties a change for the next decision: nothing of the old one
// stays, neither its events nor its agents, and a reused change holds
// only what is decided next.
func TestChangeReset(t *testing.T) {
	var ch conversation.Change
	ch.Emit(conversation.Event{Type: conversation.EventMessageReceived})
	ch.Agents = []conversation.Agent{{ID: "ana"}}
	events := ch.Events()
	ch.Reset()
	assert.True(t, ch.Empty())
	assert.Empty(t, ch.Events())
	assert.Empty(t, ch.Automatic())
	assert.Nil(t, ch.Agents)
	assert.Equal(t, conversation.Event{}, events[0], "the old event is cleared, not kept")
	ch.Emit(conversation.Event{Type: conversation.EventConversationOpened})
	require.Len(t, ch.Events(), 1)
	assert.Equal(t, conversation.EventConversationOpened, ch.Events()[0].Type)
}
