package contactcenter_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
)

// R18: what a contact sends and no store could hold as it came is repaired
// and stored, the same way on every store, and the message and its
// message.received event say what was done. Later messages flow.
func TestReceiveRepairsContent(t *testing.T) {
	f := newFixture(t)
	caption := strings.Repeat("ñ", 4096)
	doc := conversation.Attachment{Name: "respaldo.zip", MIME: "application/zip", Size: 2 << 30, Ref: "file-2g"}
	tests := []struct {
		name     string
		in       contactcenter.Inbound
		wantText string
		altered  conversation.Alteration
	}{
		{"NUL byte", contactcenter.Inbound{Text: "mi pedido\x00 #A-17"}, "mi pedido\uFFFD #A-17", conversation.AlteredText},
		{"invalid UTF-8", contactcenter.Inbound{Text: "hola \xff\xfe"}, "hola \uFFFD\uFFFD", conversation.AlteredText},
		{"text beyond MaxTextBytes", contactcenter.Inbound{Text: strings.Repeat("x", conversation.MaxTextBytes+10)},
			strings.Repeat("x", conversation.MaxTextBytes), conversation.AlteredCut},
		{"2 GB document with a 4,096-character caption", contactcenter.Inbound{Kind: conversation.KindFile, Text: caption,
			Attachments: []conversation.Attachment{doc}}, caption, conversation.AlteredOversize},
		{"sender's name", contactcenter.Inbound{Text: "hola", From: contactcenter.Sender{Name: "Lu\x00cía"}}, "hola", conversation.AlteredSender},
	}
	for i, tt := range tests {
		in := tt.in
		in.Workspace, in.Channel, in.ExternalID = ws, "tg", fmt.Sprint("u", i)
		in.From.ExternalID = fmt.Sprint("chat-", i)
		r, err := f.eng.Receive(bg, in)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.wantText, r.Message.Text, tt.name)
		assert.Equal(t, tt.altered, r.Message.Altered, tt.name)
		if tt.altered == conversation.AlteredSender {
			c, err := f.eng.Contact(bg, ws, r.Contact.ID)
			require.NoError(t, err)
			assert.Equal(t, "Lu\uFFFDcía", c.Name, "the contact is stored with the repaired name")
		}
		ms, err := f.eng.Messages(bg, ws, r.Conversation.ID)
		require.NoError(t, err)
		require.Len(t, ms, 1, tt.name)
		assert.Equal(t, tt.altered, ms[0].Altered, "%s: stored with its alterations", tt.name)
		next := f.write(t, in.From.ExternalID, in.ExternalID+"-next", "¿siguen ahí?")
		assert.Equal(t, r.Conversation.ID, next.Conversation.ID, "%s: later messages flow", tt.name)
		assert.Zero(t, next.Message.Altered)
		var received []conversation.Event
		for _, e := range f.rec.take() {
			if e.Type == conversation.EventMessageReceived {
				received = append(received, e)
			}
		}
		require.Len(t, received, 2, tt.name)
		assert.Equal(t, r.Message.ID, received[0].Message)
		assert.Equal(t, tt.altered, received[0].Altered, "%s: the host learns it from the event", tt.name)
		assert.Zero(t, received[1].Altered)
	}

	_, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u-empty", From: contactcenter.Sender{ExternalID: "chat-3"}})
	require.Error(t, err, "an empty text is still refused")
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err))

	doc2 := mustConversation(t, f, "chat-3")
	ms, err := f.eng.Messages(bg, ws, doc2.ID)
	require.NoError(t, err)
	require.Len(t, ms[0].Attachments, 1)
	want := doc
	want.Oversize = true
	assert.Equal(t, want, ms[0].Attachments[0], "the file's metadata is kept, marked Oversize")
	assert.Equal(t, caption, ms[0].Text, "the caption is kept")

	// An agent cannot send the oversize file on (R13, R19).
	_, err = f.eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: doc2.ID, Agent: "ana", Kind: conversation.KindFile,
		Attachments: ms[0].Attachments})
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err))
}

func mustConversation(t *testing.T, f *fixture, contact string) conversation.Conversation {
	t.Helper()
	q, err := f.eng.Queue(bg, ws, 0)
	require.NoError(t, err)
	for _, c := range q {
		if c.ContactExternalID == contact {
			return c
		}
	}
	t.Fatalf("no conversation of %s", contact)
	return conversation.Conversation{}
}

// A command is read from the repaired text: its ticket subject is storable.
func TestReceiveCommandRepaired(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Commands: channel.Commands{Enabled: true}}}, Transport: f.tr, By: conversation.Host()}))
	r, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1",
		From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "/new factura\x00 doble"})
	require.NoError(t, err)
	assert.Equal(t, conversation.KindCommand, r.Message.Kind)
	assert.Equal(t, conversation.AlteredText, r.Message.Altered)
	require.True(t, r.NewTicket)
	tk, err := f.eng.Ticket(bg, ws, r.Conversation.Ticket)
	require.NoError(t, err)
	assert.Equal(t, "factura\uFFFD doble", tk.Subject)
}

// Data the store refuses for good (store.ErrRejected) is CodeInvalid: the
// engine does not try it again, and a channel adapter puts it aside.
func TestStoreRejectedIsInvalid(t *testing.T) {
	s := &faultyStore{Store: memory.New()}
	f := newFixtureOn(t, s, fullCaps)
	before := s.updates
	s.failNext(fmt.Errorf("value too long (SQLSTATE 22001): %w", store.ErrRejected))
	_, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1",
		From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "hola"})
	assert.ErrorIs(t, err, store.ErrRejected)
	assert.ErrorIs(t, err, contactcenter.ErrInvalid)
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err))
	assert.Equal(t, 1, s.updates-before, "not tried again")
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(store.ErrRejected))
}

// Reject puts a refused message aside with a message.rejected event the
// host receives.
func TestReject(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.eng.Reject(bg, contactcenter.Rejection{Workspace: ws, Channel: "tg", ExternalID: "42:7", Reason: "a sticker\x00"}))
	evs := f.rec.take()
	require.Len(t, evs, 1)
	e := evs[0]
	assert.Equal(t, conversation.EventMessageRejected, e.Type)
	assert.Equal(t, ws, e.Workspace)
	assert.Equal(t, "tg", string(e.Channel))
	assert.Equal(t, "42:7", e.ExternalID)
	assert.Equal(t, "a sticker\uFFFD", e.Detail)
	assert.Equal(t, t0, e.At)
	assert.Empty(t, e.Conversation)

	err := f.eng.Reject(bg, contactcenter.Rejection{Workspace: ws, Channel: "nope", ExternalID: "1"})
	assert.Equal(t, contactcenter.CodeNotFound, contactcenter.ErrorCode(err))
	err = f.eng.Reject(bg, contactcenter.Rejection{Workspace: ws, Channel: "tg"})
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err))
	assert.Empty(t, f.rec.take())
}
