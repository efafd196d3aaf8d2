package contactcenter_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot/dialogflow"
	"github.com/telenet/contactcenter/chatbot/dialogflow/cx"
	"github.com/telenet/contactcenter/chatbot/dialogflow/dialogflowfake"
	"github.com/telenet/contactcenter/chatbot/dialogflow/es"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// R2: a Dialogflow ES agent holds a conversation through the engine,
// against the fake: its text is sent as the bot's message, its intent's
// parameters arrive as typed actions (a tag, a hand-off to a team with a
// note), and a malformed answer fails the turn, three of which run the
// channel's failure policy.
func TestDialogflowESThroughTheEngine(t *testing.T) {
	fake := dialogflowfake.NewServer()
	t.Cleanup(fake.Close)
	fake.RequireToken("tok")
	fake.Add(
		dialogflowfake.Intent{Name: "price", Phrases: []string{"price"}, Texts: []string{"It costs 10 euros."}, Parameters: map[string]any{"add_tag": "pricing"}},
		dialogflowfake.Intent{Name: "human", Phrases: []string{"human"}, Texts: []string{"A person will answer you."}, Parameters: map[string]any{"handoff": "billing", "note": "asks for a person"}},
	)
	client := &es.Client{Project: "shop", Endpoint: fake.URL(), Token: dialogflow.StaticToken("tok")}
	f := newBotFixture(t, memory.New(), &scriptBot{reply: client.Turn}, channel.Bot{MaxFailures: 3, Fallback: channel.Fallback{Template: "sorry"}})

	id := f.turn(t, "c1", "u1", "what is the price", 1)
	assert.Equal(t, []string{"It costs 10 euros."}, f.botTexts(t, id))
	tk, err := f.eng.Ticket(bg, ws, f.conv(t, id).Ticket)
	require.NoError(t, err)
	assert.Equal(t, []string{"pricing"}, tk.Tags, "the intent's parameter, as a typed action")
	f.turn(t, "c1", "u2", "I want a human", 2)
	c := f.conv(t, id)
	assert.True(t, c.Waiting())
	assert.Equal(t, conversation.TeamID("billing"), c.Team)
	off := f.book.of(conversation.EventBotHandedOff, id)
	require.Len(t, off, 1)
	assert.Equal(t, "asks for a person", off[0].Detail)
	reqs := fake.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "en", reqs[0].LanguageCode, "the contact's language")
	assert.Equal(t, reqs[0].Session, reqs[1].Session, "one session per conversation")

	for range 3 {
		fake.AnswerNext(200, `{"queryResult": {"fulfillmentMessages": [`)
	}
	id2 := f.write(t, "c2", "v1", "what is the price").Conversation.ID
	failed := f.book.wait(t, conversation.EventBotHandedOff, id2, 1)
	assert.Equal(t, conversation.ReasonBotFailed, failed[0].Reason)
	assert.Len(t, f.book.of(conversation.EventBotTurnFailed, id2), 3)
	assert.Contains(t, f.book.of(conversation.EventBotTurnFailed, id2)[0].Detail, "invalid", "a malformed answer is a typed error")
	require.Eventually(t, func() bool {
		for _, o := range f.tr.Sent() {
			if o.Text == "Our assistant is unavailable; a person will answer you." {
				return true
			}
		}
		return false
	}, 10e9, 1e6, "the configured message")
}

// R2: a Dialogflow CX agent's liveAgentHandoff arrives as a hand-off with
// the metadata's team and note, and its endInteraction as a close.
func TestDialogflowCXThroughTheEngine(t *testing.T) {
	fake := dialogflowfake.NewServer()
	t.Cleanup(fake.Close)
	fake.Add(
		dialogflowfake.Intent{Name: "agent", Phrases: []string{"agent"}, Texts: []string{"Transferring you."}, HandOff: true, HandOffMetadata: map[string]any{"team": "billing", "note": "invoice question"}},
		dialogflowfake.Intent{Name: "bye", Phrases: []string{"bye"}, Texts: []string{"Goodbye!"}, EndInteraction: true},
	)
	client := &cx.Client{Project: "shop", Location: "global", Agent: "a1", Endpoint: fake.URL(), Token: dialogflow.StaticToken("tok")}
	f := newBotFixture(t, memory.New(), &scriptBot{reply: client.Turn}, channel.Bot{})
	id := f.turn(t, "c1", "u1", "agent please", 1)
	c := f.conv(t, id)
	assert.True(t, c.Waiting())
	assert.Equal(t, conversation.TeamID("billing"), c.Team)
	assert.Equal(t, "invoice question", f.book.of(conversation.EventBotHandedOff, id)[0].Detail)

	id2 := f.turn(t, "c2", "v1", "bye", 1)
	c2 := f.conv(t, id2)
	assert.Equal(t, conversation.Closed, c2.State)
	assert.Equal(t, conversation.ReasonBot, c2.CloseReason)
	assert.Equal(t, []string{"Goodbye!"}, f.botTexts(t, id2))
}
