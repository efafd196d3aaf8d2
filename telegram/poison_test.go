package telegram_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/telegram"
)

// published collects the events an engine publishes.
type published struct {
	mu  sync.Mutex
	all []conversation.Event
}

func (p *published) publish(_ context.Context, e conversation.Event) error {
	p.mu.Lock()
	p.all = append(p.all, e)
	p.mu.Unlock()
	return nil
}

func (p *published) ofType(typ conversation.EventType) []conversation.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []conversation.Event
	for _, e := range p.all {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// faultStore fails creating the messages whose text contains a marker:
// for good (store.ErrRejected, as PostgreSQL refuses a value beyond one of
// its limits) or, a given number of times, with an error that may pass.
type faultStore struct {
	store.Store
	mu        sync.Mutex
	transient map[string]int // marker -> failures left
}

const poisonMarker = "[the store refuses this]"

func (s *faultStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(faultTx{tx, s}) })
}

type faultTx struct {
	store.Tx
	s *faultStore
}

func (t faultTx) CreateMessage(ctx context.Context, m conversation.Message) error {
	if strings.Contains(m.Text, poisonMarker) {
		return fmt.Errorf("index row size exceeds btree maximum (SQLSTATE 54000): %w", store.ErrRejected)
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	for marker, left := range t.s.transient {
		if left > 0 && strings.Contains(m.Text, marker) {
			t.s.transient[marker]--
			return errors.New("connection reset by peer")
		}
	}
	return t.Tx.CreateMessage(ctx, m)
}

// R18: one update that cannot be stored as it came does not stop the
// updates after it. Through the fake Bot API and Poll: a NUL byte is
// repaired and stored; a 2 GB document with a 4,096-character caption is
// stored with its metadata and caption, marked Oversize; a sticker, a file
// without a file id and content the store refuses for good are put aside
// with message.rejected events; a failure that may pass is retried until
// the message is stored. Later messages of the chat flow, and the host
// hears of each.
func TestReceiverPoisonInput(t *testing.T) {
	srv, b := newBot(t)
	fs := &faultStore{Store: memory.New(), transient: map[string]int{"[flaky]": 2}}
	pub := &published{}
	eng, err := contactcenter.New(contactcenter.Config{Store: fs, Publish: pub.publish})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "SupportBot"}, Transport: b, By: conversation.Host()}))
	r := telegram.Receiver{Engine: eng, Workspace: "w", Channel: "tg"}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.Poll(ctx, r) }()

	u := srv.User(42, "Lu\x00cía", "es")
	other := srv.User(43, "Ana", "es")
	caption := strings.Repeat("ñ", 4096)
	nul := u.Send(token, "mi pedido\x00 #A-17")
	doc := u.Post(token, models.Message{Caption: caption, Document: &models.Document{FileID: "file-2g", FileUniqueID: "u-2g",
		FileName: "respaldo.zip", MimeType: "application/zip", FileSize: 2 << 30}})
	sticker := u.Post(token, models.Message{Sticker: &models.Sticker{FileID: "st-1", FileUniqueID: "st-1u", Type: "regular"}})
	noRef := u.Post(token, models.Message{Document: &models.Document{FileName: "x.pdf", FileSize: 10}})
	poison := u.Send(token, "hola "+poisonMarker)
	u.Send(token, "[flaky] ¿siguen ahí?")
	last := u.Send(token, "sigo aquí")
	for i := range 3 {
		other.Send(token, fmt.Sprint("mensaje ", i))
	}
	require.True(t, srv.WaitUntil(10*time.Second, func() bool { return srv.Confirmed(token) == 10 }), "every update is confirmed")
	assert.Zero(t, srv.Pending(token))

	q, err := eng.Queue(bg, "w", 0)
	require.NoError(t, err)
	require.Len(t, q, 2)
	var conv conversation.Conversation
	for _, c := range q {
		if c.ContactExternalID == "42" {
			conv = c
		}
	}
	ms, err := eng.Messages(bg, "w", conv.ID)
	require.NoError(t, err)
	require.Len(t, ms, 4, "the NUL text, the document, the retried message and the last one")
	assert.Equal(t, "mi pedido\uFFFD #A-17", ms[0].Text)
	assert.Equal(t, conversation.AlteredText|conversation.AlteredSender, ms[0].Altered)
	assert.Equal(t, telegram.MessageID(42, nul.ID), ms[0].ExternalID)
	assert.Equal(t, conversation.KindFile, ms[1].Kind)
	assert.Equal(t, caption, ms[1].Text, "the caption is kept")
	assert.Equal(t, []conversation.Attachment{{Name: "respaldo.zip", MIME: "application/zip", Size: 2 << 30, Ref: "file-2g", Oversize: true}},
		ms[1].Attachments, "the file's metadata is kept, marked Oversize")
	assert.Equal(t, conversation.AlteredOversize|conversation.AlteredSender, ms[1].Altered)
	assert.Equal(t, telegram.MessageID(42, doc.ID), ms[1].ExternalID)
	assert.Equal(t, "[flaky] ¿siguen ahí?", ms[2].Text, "a failure that may pass is retried")
	assert.Equal(t, "sigo aquí", ms[3].Text)
	assert.Equal(t, telegram.MessageID(42, last.ID), ms[3].ExternalID)
	c, err := eng.Contact(bg, "w", conv.Contact)
	require.NoError(t, err)
	assert.Equal(t, "Lu\uFFFDcía", c.Name)

	require.NoError(t, eng.PublishPending(bg))
	rejected := map[string]string{}
	for _, e := range pub.ofType(conversation.EventMessageRejected) {
		assert.Equal(t, "tg", string(e.Channel))
		rejected[e.ExternalID] = e.Detail
	}
	require.Len(t, rejected, 3, "%v", rejected)
	assert.Contains(t, rejected[telegram.MessageID(42, sticker.ID)], "sticker")
	assert.Contains(t, rejected[telegram.MessageID(42, noRef.ID)], "empty reference")
	assert.Contains(t, rejected[telegram.MessageID(42, poison.ID)], "54000")
	received := map[conversation.MessageID]conversation.Alteration{}
	for _, e := range pub.ofType(conversation.EventMessageReceived) {
		received[e.Message] = e.Altered
	}
	assert.Len(t, received, 7)
	assert.Equal(t, ms[1].Altered, received[ms[1].ID], "the host hears of the oversize file")
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
}

// Bytes that are not UTF-8 cannot come through the Bot API's JSON (the
// decoder replaces them); handed to the receiver directly they are
// repaired and stored like NUL bytes.
func TestReceiverInvalidUTF8(t *testing.T) {
	_, b := newBot(t)
	pub := &published{}
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), Publish: pub.publish})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "SupportBot"}, Transport: b, By: conversation.Host()}))
	r := telegram.Receiver{Engine: eng, Workspace: "w", Channel: "tg"}
	chat := models.Chat{ID: 42, Type: models.ChatTypePrivate}
	from := &models.User{ID: 42, FirstName: "Lu\xffcía"}
	require.NoError(t, r.HandleUpdate(bg, &models.Update{ID: 1, Message: &models.Message{ID: 1, Chat: chat, From: from, Text: "hola \xff\xfe"}}))
	require.NoError(t, r.HandleUpdate(bg, &models.Update{ID: 2, Message: &models.Message{ID: 2, Chat: chat, From: from,
		Caption: "fac\xfftura", Document: &models.Document{FileID: "f\x00", FileName: "a\xc3.pdf", MimeType: "application/pdf", FileSize: 10}}}))
	require.NoError(t, r.HandleUpdate(bg, &models.Update{ID: 3, EditedMessage: &models.Message{ID: 1, Chat: chat, From: from, Text: "hola\x00 otra vez"}}))
	require.NoError(t, r.HandleUpdate(bg, &models.Update{ID: 4, Message: &models.Message{ID: 4, Chat: chat, From: from, Text: "sigo aquí"}}))

	q, err := eng.Queue(bg, "w", 0)
	require.NoError(t, err)
	require.Len(t, q, 1)
	ms, err := eng.Messages(bg, "w", q[0].ID)
	require.NoError(t, err)
	require.Len(t, ms, 3)
	assert.Equal(t, "hola\uFFFD otra vez", ms[0].Text, "the edit is repaired too")
	assert.Equal(t, "hola \uFFFD\uFFFD", ms[0].Revisions[0].Text)
	assert.Equal(t, conversation.AlteredText|conversation.AlteredSender, ms[0].Altered)
	assert.Equal(t, "fac\uFFFDtura", ms[1].Text)
	assert.Equal(t, conversation.Attachment{Name: "a\uFFFD.pdf", MIME: "application/pdf", Size: 10, Ref: "f\uFFFD"}, ms[1].Attachments[0])
	assert.Equal(t, conversation.AlteredText|conversation.AlteredAttachment|conversation.AlteredSender, ms[1].Altered)
	assert.Equal(t, "sigo aquí", ms[2].Text)
	assert.Empty(t, pub.ofType(conversation.EventMessageRejected))
}
