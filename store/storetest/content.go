package storetest

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
	"github.com/telenet/contactcenter/ticket"
)

// testContent checks what the engine stores of a contact's repaired
// message (R18): a message's alterations and an oversize attachment, and
// the events that carry a rejection or an alteration, come back as they
// were stored. A text no store could hold (a NUL byte, bytes that are not
// UTF-8) is held as it is or refused with store.ErrRejected, never with an
// error that would have the engine try it again, and a refused
// transaction leaves nothing.
func (h *harness) testContent(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("content"))
	_, _, cv := seed(t, s, ws, "a")
	drainAll(t, s, ws)

	m := newInbound(cv, "m1", "u-1", t0)
	m.Kind, m.Text = conversation.KindFile, "la copia de seguridad \uFFFD"
	m.Attachments = []conversation.Attachment{{Name: "respaldo.zip", MIME: "application/zip", Size: 2 << 30, Ref: "file-2g", Oversize: true}}
	m.Altered = conversation.AlteredText | conversation.AlteredOversize
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.CreateMessage(ctx(), m) }))
	read := func() conversation.Message {
		var got conversation.Message
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
			var err error
			got, err = tx.Message(ctx(), ws, "m1")
			require.NoError(t, err)
			byExt, err := tx.MessageByExternalID(ctx(), ws, "ch", "u-1")
			require.NoError(t, err)
			assert.Equal(t, normMessage(got), normMessage(byExt))
			all, err := tx.Messages(ctx(), ws, cv.ID)
			require.NoError(t, err)
			require.Len(t, all, 1)
			assert.Equal(t, normMessage(got), normMessage(all[0]))
			return nil
		}))
		return got
	}
	assert.Equal(t, normMessage(m), normMessage(read()), "alterations and Oversize are kept")

	m.Text, m.Altered, m.Version = "editada", m.Altered|conversation.AlteredCut, 2
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateMessage(ctx(), m) }))
	assert.Equal(t, normMessage(m), normMessage(read()), "an update writes the alterations")

	want := []conversation.Event{
		{Type: conversation.EventMessageRejected, Workspace: ws, At: t0, Channel: "ch", ExternalID: "42:7", Detail: "a sticker"},
		{Type: conversation.EventMessageReceived, Workspace: ws, At: t0, Conversation: cv.ID, Ticket: cv.Ticket,
			TicketNumber: cv.TicketNumber, Message: "m1", Altered: conversation.AlteredOversize},
	}
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for _, e := range want {
			if err := tx.AppendEvent(ctx(), e); err != nil {
				return err
			}
		}
		return nil
	}))
	got := drainAll(t, s, ws)
	require.Len(t, got, len(want))
	for i := range got {
		got[i].Seq = 0
	}
	assert.Equal(t, want, got)

	for name, text := range map[string]string{"NUL byte": "ho\x00la", "invalid UTF-8": "hola \xff\xfe"} {
		raw := newInbound(cv, conversation.MessageID("raw-"+name), "u-raw-"+name, t0)
		raw.Text = text
		err := s.Update(ctx(), func(tx store.Tx) error {
			if err := tx.CreateMessage(ctx(), raw); err != nil {
				return err
			}
			return tx.AppendEvent(ctx(), conversation.Event{Type: conversation.EventMessageReceived, Workspace: ws, At: t0, Message: raw.ID})
		})
		if err != nil {
			assert.ErrorIs(t, err, store.ErrRejected, "%s: a store that cannot hold it refuses it for good", name)
			require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
				_, err := tx.Message(ctx(), ws, raw.ID)
				assert.ErrorIs(t, err, store.ErrNotFound, "%s: nothing is left", name)
				return nil
			}))
			assert.Empty(t, drainAll(t, s, ws), "%s: nothing is left", name)
			continue
		}
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
			got, err := tx.Message(ctx(), ws, raw.ID)
			require.NoError(t, err)
			assert.Equal(t, text, got.Text, "%s: a store that holds it gives it back as it is", name)
			return nil
		}))
		drainAll(t, s, ws)
	}
}

// testRepairedThroughEngine drives an engine over the store with what a
// contact may send and no store could hold as it came (R18): a NUL byte,
// bytes that are not UTF-8, in the text and in the sender's name, and a
// 2 GB document with a 4,096-character caption. Each is stored, repaired
// the same way whatever the store, the message and its message.received
// event say what was done, and the contact's next message follows.
func (h *harness) testRepairedThroughEngine(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("repaired"))
	// Without Publish the engine leaves the events in the store, where the
	// test reads them, and no drain of the engine outlives the test.
	eng, err := contactcenter.New(contactcenter.Config{Store: s})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "ch", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	caption := strings.Repeat("ñ", 4096)
	doc := conversation.Attachment{Name: "respaldo\x00.zip", MIME: "application/zip", Size: 2 << 30, Ref: "file-2g"}
	tests := []struct {
		name     string
		in       contactcenter.Inbound
		wantText string
		altered  conversation.Alteration
	}{
		{"NUL byte", contactcenter.Inbound{Text: "mi pedido\x00 #A-17"}, "mi pedido\uFFFD #A-17", conversation.AlteredText},
		{"invalid UTF-8", contactcenter.Inbound{Text: "hola \xff\xfe"}, "hola \uFFFD\uFFFD", conversation.AlteredText},
		{"sender's name", contactcenter.Inbound{Text: "hola", From: contactcenter.Sender{Name: "Lu\x00c\xeda", Language: "es\x00"}},
			"hola", conversation.AlteredSender},
		{"2 GB document", contactcenter.Inbound{Kind: conversation.KindFile, Text: caption, Attachments: []conversation.Attachment{doc}},
			caption, conversation.AlteredOversize | conversation.AlteredAttachment},
	}
	for i, tt := range tests {
		in := tt.in
		in.Workspace, in.Channel, in.ExternalID = ws, "ch", fmt.Sprint("u", i)
		in.From.ExternalID = fmt.Sprint("chat-", i)
		r, err := eng.Receive(ctx(), in)
		require.NoError(t, err, tt.name)
		next, err := eng.Receive(ctx(), contactcenter.Inbound{Workspace: ws, Channel: "ch", ExternalID: in.ExternalID + "-next",
			From: contactcenter.Sender{ExternalID: in.From.ExternalID}, Text: "¿siguen ahí?"})
		require.NoError(t, err, tt.name)
		assert.Equal(t, r.Conversation.ID, next.Conversation.ID, "%s: the next message follows", tt.name)

		ms, err := eng.Messages(ctx(), ws, r.Conversation.ID)
		require.NoError(t, err)
		require.Len(t, ms, 2, tt.name)
		assert.Equal(t, tt.wantText, ms[0].Text, tt.name)
		assert.Equal(t, tt.altered, ms[0].Altered, tt.name)
		assert.Zero(t, ms[1].Altered, tt.name)
		switch {
		case tt.altered&conversation.AlteredSender != 0:
			c, err := eng.Contact(ctx(), ws, r.Contact.ID)
			require.NoError(t, err)
			assert.Equal(t, "Lu\uFFFDc\uFFFDa", c.Name, tt.name)
			assert.Equal(t, "es\uFFFD", c.Language, tt.name)
		case tt.altered&conversation.AlteredOversize != 0:
			require.Len(t, ms[0].Attachments, 1)
			want := doc
			want.Name, want.Oversize = "respaldo\uFFFD.zip", true
			assert.Equal(t, want, ms[0].Attachments[0], tt.name)
		}
	}
	altered := map[conversation.Alteration]int{}
	for _, e := range drainAll(t, s, ws) {
		if e.Type == conversation.EventMessageReceived {
			altered[e.Altered]++
		}
	}
	want := map[conversation.Alteration]int{0: len(tests)}
	for _, tt := range tests {
		want[tt.altered]++
	}
	assert.Equal(t, want, altered, "message.received events carry the alterations")
}
