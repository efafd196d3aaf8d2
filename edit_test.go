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
)

func withEdits(t *testing.T, f *fixture, allowed bool) {
	t.Helper()
	require.NoError(t, f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{AgentsMayEdit: allowed}}, Transport: f.tr, By: conversation.Host()}))
}

// R8: an agent edits a message they sent; the edit is pushed to the
// channel and every revision is kept.
func TestEditMessage(t *testing.T) {
	f := newFixture(t)
	withEdits(t, f, true)
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	m := f.reply(t, c.ID, "ana", "Your order ships Monday")
	f.rec.take()
	f.clock.Advance(time.Minute)

	got, err := f.eng.EditMessage(bg, ws, m.ID, "ana", "Your order ships Tuesday")
	require.NoError(t, err)
	assert.Equal(t, "Your order ships Tuesday", got.Text)
	assert.Equal(t, conversation.DeliverySent, got.Delivery)
	assert.Equal(t, m.ExternalID, got.ExternalID, "the channel's reference stays")
	require.Len(t, got.Revisions, 1)
	assert.Equal(t, conversation.Revision{Text: "Your order ships Monday", At: t0.Add(time.Minute)}, got.Revisions[0])
	edits := f.tr.Edits()
	require.Len(t, edits, 1)
	assert.Equal(t, channel.Edit{To: "chat-1", Ref: m.ExternalID, Text: "Your order ships Tuesday"}, edits[0])
	assert.Equal(t, []conversation.EventType{conversation.EventMessageEdited, conversation.EventMessageSent}, types(f.rec.take()))

	got, err = f.eng.EditMessage(bg, ws, m.ID, "ana", "Your order ships Wednesday")
	require.NoError(t, err)
	require.Len(t, got.Revisions, 2, "every revision is kept")
	assert.Equal(t, "Your order ships Tuesday", got.Revisions[1].Text)

	same, err := f.eng.EditMessage(bg, ws, m.ID, "ana", "Your order ships Wednesday")
	require.NoError(t, err)
	assert.Len(t, same.Revisions, 2, "the same text is no edit")
	assert.Len(t, f.tr.Edits(), 2)
}

// R8: each refusal has its own clear error, and changes nothing.
func TestEditMessageRefused(t *testing.T) {
	f := newFixture(t)
	withEdits(t, f, true)
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	m := f.reply(t, c.ID, "ana", "hello")
	f.tr.Fail(channel.ErrUnavailable)
	pending := f.reply(t, c.ID, "ana", "not sent yet")
	require.Equal(t, conversation.DeliveryPending, pending.Delivery)

	_, err := f.eng.EditMessage(bg, ws, m.ID, "bruno", "bruno's words")
	assert.ErrorIs(t, err, conversation.ErrForbidden, "only the author")
	_, err = f.eng.EditMessage(bg, ws, pending.ID, "ana", "changed")
	assert.ErrorIs(t, err, conversation.ErrInvalid, "not sent yet")
	_, err = f.eng.EditMessage(bg, ws, "nope", "ana", "x")
	assert.ErrorIs(t, err, conversation.ErrMessageNotFound)
	_, err = f.eng.EditMessage(bg, ws, m.ID, "zoe", "x")
	assert.ErrorIs(t, err, conversation.ErrAgentNotFound)
	_, err = f.eng.EditMessage(bg, ws, m.ID, "ana", "")
	assert.ErrorIs(t, err, conversation.ErrInvalid, "empty text")
	_, err = f.eng.EditMessage(bg, "globex", m.ID, "ana", "x")
	assert.ErrorIs(t, err, conversation.ErrMessageNotFound, "another workspace")
	inbound := f.write(t, "chat-1", "u2", "customer text").Message
	_, err = f.eng.EditMessage(bg, ws, inbound.ID, "ana", "x")
	assert.ErrorIs(t, err, conversation.ErrForbidden, "a contact's message")

	withEdits(t, f, false)
	_, err = f.eng.EditMessage(bg, ws, m.ID, "ana", "x")
	assert.ErrorIs(t, err, conversation.ErrForbidden, "the channel forbids it")
	assert.Contains(t, err.Error(), "R8")

	noEdit := newFixtureOn(t, memory.New(), channel.Capabilities{Text: true})
	withEdits(t, noEdit, true)
	c2 := noEdit.write(t, "chat-1", "u1", "hi").Conversation
	m2 := noEdit.reply(t, c2.ID, "ana", "hello")
	_, err = noEdit.eng.EditMessage(bg, ws, m2.ID, "ana", "x")
	assert.ErrorIs(t, err, channel.ErrUnsupported, "a channel that cannot edit")

	got, err := f.eng.Messages(bg, ws, c.ID)
	require.NoError(t, err)
	for _, m := range got {
		assert.Empty(t, m.Revisions, "nothing was edited")
	}
	assert.Empty(t, f.tr.Edits())
}

// R8, R18: an edit the channel cannot take now is retried; one it refuses
// leaves the message as the channel shows it, with the failure noted.
func TestEditDelivery(t *testing.T) {
	f := newFixture(t)
	withEdits(t, f, true)
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	m := f.reply(t, c.ID, "ana", "v1")
	f.rec.take()

	f.tr.Fail(channel.ErrUnavailable)
	got, err := f.eng.EditMessage(bg, ws, m.ID, "ana", "v2")
	require.NoError(t, err)
	assert.True(t, got.Editing(), "the edit waits for the channel")
	f.clock.Advance(time.Second)
	_, err = f.eng.DeliverPending(bg)
	require.NoError(t, err)
	require.Len(t, f.tr.Edits(), 1)
	assert.Equal(t, "v2", f.tr.Edits()[0].Text)

	f.tr.Fail(channel.ErrRefused)
	f.rec.take()
	got, err = f.eng.EditMessage(bg, ws, m.ID, "ana", "v3")
	require.NoError(t, err)
	assert.Equal(t, conversation.DeliverySent, got.Delivery)
	assert.NotEmpty(t, got.Failure)
	assert.Equal(t, []conversation.EventType{conversation.EventMessageEdited, conversation.EventMessageFailed}, types(f.rec.take()))
}

// A contact's edit of their message is kept as a revision.
func TestReceiveEdit(t *testing.T) {
	f := newFixture(t)
	r := f.write(t, "chat-1", "u1", "my order is late")
	f.rec.take()
	f.clock.Advance(time.Minute)
	edit := contactcenter.ContactEdit{Workspace: ws, Channel: "tg", ExternalID: "u1", Text: "my order #A-17 is late"}
	m, err := f.eng.ReceiveEdit(bg, edit)
	require.NoError(t, err)
	assert.Equal(t, "my order #A-17 is late", m.Text)
	require.Len(t, m.Revisions, 1)
	assert.Equal(t, "my order is late", m.Revisions[0].Text)
	assert.Equal(t, []conversation.EventType{conversation.EventMessageEdited}, types(f.rec.take()))
	assert.Empty(t, f.tr.Edits(), "nothing is sent")

	again, err := f.eng.ReceiveEdit(bg, edit)
	require.NoError(t, err)
	assert.Len(t, again.Revisions, 1, "the same edit twice changes nothing")
	assert.Empty(t, f.rec.take())

	_, err = f.eng.ReceiveEdit(bg, contactcenter.ContactEdit{Workspace: ws, Channel: "tg", ExternalID: "u404", Text: "x"})
	assert.ErrorIs(t, err, conversation.ErrMessageNotFound)
	ms, err := f.eng.Messages(bg, ws, r.Conversation.ID)
	require.NoError(t, err)
	assert.Equal(t, "my order #A-17 is late", ms[0].Text)
}
