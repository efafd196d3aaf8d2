package natsjs_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/events/natsjs"
)

// fullEvent has every field of an Event set.
func fullEvent() conversation.Event {
	return conversation.Event{
		Seq:          42,
		Type:         conversation.EventMessageReceived,
		Workspace:    "acme",
		At:           time.Date(2026, 12, 2, 8, 30, 1, 123456789, time.FixedZone("CET", 3600)),
		Conversation: "c-1",
		Ticket:       "t-1",
		TicketNumber: 17,
		Message:      "m-1",
		Agent:        "ana",
		Previous:     "bo",
		Team:         "sales",
		Reason:       conversation.ReasonTakenOver,
		Presence:     conversation.Away,
		Contact:      "k-1",
		Channel:      "tg",
		ExternalID:   "u1",
		Detail:       "why",
		Actor:        conversation.AsAgent("ana"),
		Cause:        conversation.Cause{Kind: conversation.CauseReaction, Name: "assign", ID: "r1", Root: "c0", Depth: 2},
		Bot:          "faq",
		Data:         map[string]string{"k": "v"},
		Altered:      conversation.AlteredText | conversation.AlteredCut | conversation.AlteredOversize,
	}
}

// The payload names each field of the event with a stable name, and
// Decode reads back the event Encode wrote.
func TestEncodeFields(t *testing.T) {
	e := fullEvent()
	data, err := natsjs.Encode(e)
	require.NoError(t, err)
	var obj map[string]any
	require.NoError(t, json.Unmarshal(data, &obj))
	assert.Equal(t, map[string]any{
		"seq": 42.0, "type": "message.received", "workspace": "acme", "at": "2026-12-02T07:30:01.123456789Z",
		"conversation": "c-1", "ticket": "t-1", "ticket_number": 17.0, "message": "m-1", "agent": "ana", "previous": "bo",
		"team": "sales", "reason": "taken_over", "presence": "away", "contact": "k-1", "channel": "tg", "external_id": "u1",
		"detail": "why", "actor": map[string]any{"kind": "agent", "id": "ana"},
		"cause": map[string]any{"kind": "reaction", "name": "assign", "id": "r1", "root": "c0", "depth": 2.0},
		"bot":   "faq", "data": map[string]any{"k": "v"}, "altered": []any{"text", "cut", "oversize"},
	}, obj)

	back, err := natsjs.Decode(data)
	require.NoError(t, err)
	assert.True(t, e.At.Equal(back.At))
	back.At = e.At
	assert.Equal(t, e, back)
}

// A bare event keeps only seq, type, workspace and at; presence events
// always say the presence, offline included.
func TestEncodeSparse(t *testing.T) {
	e := conversation.Event{Seq: 1, Type: conversation.EventConversationOpened, Workspace: "w", At: time.Unix(0, 0)}
	data, err := natsjs.Encode(e)
	require.NoError(t, err)
	assert.JSONEq(t, `{"seq":1,"type":"conversation.opened","workspace":"w","at":"1970-01-01T00:00:00Z"}`, string(data))

	p := conversation.Event{Seq: 2, Type: conversation.EventPresenceChanged, Workspace: "w", Agent: "ana", Presence: conversation.Offline, At: time.Unix(0, 0)}
	data, err = natsjs.Encode(p)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"presence":"offline"`)
	back, err := natsjs.Decode(data)
	require.NoError(t, err)
	assert.Equal(t, conversation.Offline, back.Presence)
	assert.Equal(t, p.Agent, back.Agent)
}

// Data that is not an event is refused with ErrInvalidPayload.
func TestDecodeRefuses(t *testing.T) {
	for _, data := range []string{
		``, `[]`, `{"seq":"1","type":"x"}`, `{"type":"x"}`, `{"seq":1}`,
		`{"seq":1,"type":"x","presence":"asleep"}`,
		`{"seq":1,"type":"x","actor":{"kind":"robot"}}`,
		`{"seq":1,"type":"x","cause":{"kind":"whim"}}`,
		`{"seq":1,"type":"x","altered":["painted"]}`,
	} {
		_, err := natsjs.Decode([]byte(data))
		assert.ErrorIs(t, err, natsjs.ErrInvalidPayload, "%s", data)
	}
}

// Each alteration flag and each presence has its name, and comes back.
func TestEncodeAllFlags(t *testing.T) {
	for _, a := range []conversation.Alteration{conversation.AlteredText, conversation.AlteredCut, conversation.AlteredAttachment, conversation.AlteredSender, conversation.AlteredOversize} {
		data, err := natsjs.Encode(conversation.Event{Seq: 1, Type: "x", Altered: a})
		require.NoError(t, err)
		back, err := natsjs.Decode(data)
		require.NoError(t, err)
		assert.Equal(t, a, back.Altered, "%s", data)
	}
	for _, p := range []conversation.Presence{conversation.Offline, conversation.Online, conversation.Away} {
		data, err := natsjs.Encode(conversation.Event{Seq: 1, Type: conversation.EventPresenceChanged, Presence: p})
		require.NoError(t, err)
		back, err := natsjs.Decode(data)
		require.NoError(t, err)
		assert.Equal(t, p, back.Presence, "%s", data)
	}
}
