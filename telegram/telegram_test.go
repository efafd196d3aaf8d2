package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/telegram"
	"github.com/telenet/contactcenter/telegram/telegramtest"
	"github.com/telenet/contactcenter/ticket"
)

const token = "123:secret"

var bg = context.Background()

func newBot(t *testing.T) (*telegramtest.Server, *telegram.Bot) {
	t.Helper()
	srv := telegramtest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddBot(token, "SupportBot")
	b, err := telegram.New(token, telegram.WithAPIURL(srv.URL()), telegram.WithPollTimeout(time.Second))
	require.NoError(t, err)
	return srv, b
}

// R1: the token must work and belong to the account the channel names.
func TestCheckAccount(t *testing.T) {
	srv, b := newBot(t)
	for _, name := range []string{"SupportBot", "@supportbot", "SUPPORTBOT"} {
		assert.NoError(t, b.CheckAccount(bg, name), name)
	}
	err := b.CheckAccount(bg, "SalesBot")
	assert.ErrorIs(t, err, channel.ErrInvalid)
	assert.Contains(t, err.Error(), "@SupportBot")

	bad, err := telegram.New("999:nope", telegram.WithAPIURL(srv.URL()))
	require.NoError(t, err)
	assert.ErrorIs(t, bad.CheckAccount(bg, "SupportBot"), channel.ErrInvalid, "a token Telegram refuses")
	_, err = telegram.New(" ")
	assert.ErrorIs(t, err, channel.ErrInvalid)

	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New()})
	require.NoError(t, err)
	err = eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "SalesBot"}, Transport: b, By: conversation.Host()})
	assert.ErrorIs(t, err, contactcenter.ErrInvalid, "refused when the channel is configured")
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "SupportBot"}, Transport: b, By: conversation.Host()}))
}

// Text, voice notes (R13) and files go out with the right methods; edits
// with editMessageText (R8).
func TestSend(t *testing.T) {
	srv, b := newBot(t)
	u := srv.User(42, "Lucía", "es")
	caps := b.Capabilities()
	assert.True(t, caps.Voice && caps.Files && caps.Edit && caps.Text)
	assert.Equal(t, channel.TelegramLimits, caps.Limits)
	assert.False(t, b.IsGroup("42"))
	assert.True(t, b.IsGroup("-1001"))

	r, err := b.Send(bg, channel.Outgoing{To: "42", Text: "hola"})
	require.NoError(t, err)
	_, err = b.Send(bg, channel.Outgoing{To: "42", Text: "escucha", File: &channel.File{Ref: "voice-file", Voice: true, Duration: 90 * time.Second}})
	require.NoError(t, err)
	_, err = b.Send(bg, channel.Outgoing{To: "42", Text: "la factura", File: &channel.File{Ref: "doc-file", Name: "factura.pdf"}})
	require.NoError(t, err)
	require.NoError(t, b.Edit(bg, channel.Edit{To: "42", Ref: r.Ref, Text: "hola de nuevo"}))
	require.NoError(t, b.Edit(bg, channel.Edit{To: "42", Ref: r.Ref, Text: "hola de nuevo"}), "the same text: nothing to change")

	sent := srv.Sent(token, u.ID())
	require.Len(t, sent, 3)
	assert.Equal(t, "hola de nuevo", sent[0].Text)
	require.NotNil(t, sent[1].Voice)
	assert.Equal(t, "voice-file", sent[1].Voice.FileID)
	assert.Equal(t, 90, sent[1].Voice.Duration)
	assert.Equal(t, "escucha", sent[1].Caption)
	require.NotNil(t, sent[2].Document)
	assert.Equal(t, "doc-file", sent[2].Document.FileID)
	assert.Len(t, srv.CallsTo("sendVoice"), 1)
	assert.Len(t, srv.CallsTo("sendDocument"), 1)
}

// The Bot API's refusals map onto the channel's errors.
func TestSendErrors(t *testing.T) {
	srv, b := newBot(t)
	u := srv.User(42, "Lucía", "es")
	u.Block(token)
	_, err := b.Send(bg, channel.Outgoing{To: "42", Text: "hola"})
	assert.ErrorIs(t, err, channel.ErrBlocked)
	assert.ErrorIs(t, err, channel.ErrRefused)
	u.Unblock(token)

	_, err = b.Send(bg, channel.Outgoing{To: "777", Text: "hola"})
	assert.ErrorIs(t, err, channel.ErrRefused, "chat not found")
	assert.False(t, errors.Is(err, channel.ErrBlocked))
	_, err = b.Send(bg, channel.Outgoing{To: "not-a-chat", Text: "hola"})
	assert.ErrorIs(t, err, channel.ErrRefused)
	err = b.Edit(bg, channel.Edit{To: "42", Ref: "999", Text: "x"})
	assert.ErrorIs(t, err, channel.ErrRefused, "message to edit not found")

	srv.SetLimits(telegramtest.Limits{PerChatPerSecond: 1})
	_, err = b.Send(bg, channel.Outgoing{To: "42", Text: "uno"})
	require.NoError(t, err)
	_, err = b.Send(bg, channel.Outgoing{To: "42", Text: "dos"})
	var ra *channel.RetryAfterError
	require.ErrorAs(t, err, &ra, "429")
	assert.GreaterOrEqual(t, ra.After, time.Second)
	assert.ErrorIs(t, err, channel.ErrUnavailable)

	srv.Close()
	_, err = b.Send(bg, channel.Outgoing{To: "42", Text: "tres"})
	assert.ErrorIs(t, err, channel.ErrUnavailable, "the server is gone")
}

// updateRecorder is a handler that records updates and fails on demand.
type updateRecorder struct {
	mu     sync.Mutex
	ids    []int64
	failOn map[int64]int // update id -> failures left
}

func (r *updateRecorder) HandleUpdate(_ context.Context, u *models.Update) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failOn[u.ID] > 0 {
		r.failOn[u.ID]--
		return errors.New("store down")
	}
	r.ids = append(r.ids, u.ID)
	return nil
}

func (r *updateRecorder) seen() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.ids...)
}

// R18: Poll confirms an update only once it is handled; one whose handling
// failed comes again, in order within its chat.
func TestPollOwnsOffset(t *testing.T) {
	srv, b := newBot(t)
	a, c := srv.User(42, "A", "es"), srv.User(43, "C", "es")
	rec := &updateRecorder{failOn: map[int64]int{2: 2}}
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- b.Poll(ctx, rec) }()

	a.Send(token, "a1") // update 1
	a.Send(token, "a2") // update 2: fails twice
	a.Send(token, "a3") // update 3: waits behind 2, its chat's order
	c.Send(token, "c1") // update 4: another chat
	require.True(t, srv.WaitUntil(10*time.Second, func() bool { return len(rec.seen()) >= 4 && srv.Confirmed(token) == 4 }))
	seen := rec.seen()
	pos := map[int64]int{}
	for i, id := range seen {
		if _, dup := pos[id]; !dup {
			pos[id] = i
		}
	}
	assert.Less(t, pos[1], pos[2])
	assert.Less(t, pos[2], pos[3], "a3 after a2 though a2 failed first")
	assert.Contains(t, seen, int64(4))
	assert.Zero(t, srv.Pending(token))
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)

	bad, err := telegram.New("999:nope", telegram.WithAPIURL(srv.URL()))
	require.NoError(t, err)
	assert.ErrorIs(t, bad.Poll(bg, rec), channel.ErrInvalid, "a refused token ends polling")
}

// The webhook answers 200 only after the update is stored, and refuses a
// wrong secret.
func TestWebhook(t *testing.T) {
	_, b := newBot(t)
	rec := &updateRecorder{failOn: map[int64]int{7: 1}}
	h := b.WebhookHandler("s3cret", rec)
	post := func(secret string, u models.Update) int {
		body, _ := json.Marshal(u)
		req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	msg := func(id int64) models.Update {
		return models.Update{ID: id, Message: &models.Message{ID: int(id), Chat: models.Chat{ID: 42, Type: models.ChatTypePrivate}, Text: "hi"}}
	}
	assert.Equal(t, http.StatusForbidden, post("wrong", msg(6)))
	assert.Equal(t, http.StatusOK, post("s3cret", msg(6)))
	assert.Equal(t, http.StatusInternalServerError, post("s3cret", msg(7)), "not stored: Telegram delivers it again")
	assert.Equal(t, http.StatusOK, post("s3cret", msg(7)))
	assert.Equal(t, []int64{6, 7}, rec.seen())

	req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader([]byte("{not json")))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	assert.Equal(t, http.StatusBadRequest, w.Code)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/hook", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
}

// The receiver turns private chats' updates into the engine's messages and
// edits; group updates go to Next.
func TestReceiver(t *testing.T) {
	srv, b := newBot(t)
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New()})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "SupportBot"}, Transport: b, By: conversation.Host()}))
	var groupUpdates []int64
	var mu sync.Mutex
	r := telegram.Receiver{Engine: eng, Workspace: "w", Channel: "tg", Next: telegram.HandlerFunc(func(_ context.Context, u *models.Update) error {
		mu.Lock()
		groupUpdates = append(groupUpdates, u.ID)
		mu.Unlock()
		return nil
	})}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	go func() { _ = b.Poll(ctx, r) }()

	u := srv.User(42, "Lucía", "es-MX")
	first := u.Send(token, "mi pedido")
	u.SendVoice(token, "voice-1", 12)
	u.SendAudio(token, "audio-1", 200, "Grabación")
	u.SendDocument(token, "doc-1", "factura.pdf", "application/pdf", 2048)
	u.SendPhoto(token, "photo-1", "la caja rota")
	u.Edit(token, first.ID, "mi pedido #A-17")
	g := srv.Group(-100, "Staff")
	g.Send(token, srv.User(7, "Ana", "es"), "hello staff", 0)
	require.True(t, srv.WaitUntil(10*time.Second, func() bool { return srv.Confirmed(token) == 7 }))

	k, err := eng.OpenTickets(bg, "w", contactOf(t, eng))
	require.NoError(t, err)
	require.Len(t, k, 1)
	q, err := eng.Queue(bg, "w", 0)
	require.NoError(t, err)
	require.Len(t, q, 1)
	ms, err := eng.Messages(bg, "w", q[0].ID)
	require.NoError(t, err)
	require.Len(t, ms, 5)
	assert.Equal(t, "mi pedido #A-17", ms[0].Text)
	require.Len(t, ms[0].Revisions, 1, "the contact's edit is a revision")
	assert.Equal(t, "mi pedido", ms[0].Revisions[0].Text)
	assert.Equal(t, telegram.MessageID(42, first.ID), ms[0].ExternalID)
	kinds := []conversation.Kind{conversation.KindText, conversation.KindVoice, conversation.KindAudio, conversation.KindFile, conversation.KindImage}
	for i, want := range kinds {
		assert.Equal(t, want, ms[i].Kind, "message %d", i)
	}
	assert.Equal(t, 12*time.Second, ms[1].Attachments[0].Duration)
	assert.Equal(t, "voice-1", ms[1].Attachments[0].Ref)
	assert.Equal(t, "factura.pdf", ms[3].Attachments[0].Name)
	assert.Equal(t, "la caja rota", ms[4].Text, "the caption")
	assert.Equal(t, "photo-1", ms[4].Attachments[0].Ref, "the largest size")
	c, err := eng.Contact(bg, "w", q[0].Contact)
	require.NoError(t, err)
	assert.Equal(t, "Lucía", c.Name)
	assert.Equal(t, "es-MX", c.Language)
	mu.Lock()
	assert.Equal(t, []int64{7}, groupUpdates)
	mu.Unlock()
}

func contactOf(t *testing.T, eng *contactcenter.Engine) ticket.ContactID {
	t.Helper()
	q, err := eng.Queue(bg, "w", 0)
	require.NoError(t, err)
	require.NotEmpty(t, q)
	return q[0].Contact
}

// Poll confirms on its way out what it handled, so that the next process
// does not get it again.
func TestPollConfirmsOnStop(t *testing.T) {
	srv, b := newBot(t)
	u := srv.User(42, "A", "es")
	rec := &updateRecorder{}
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- b.Poll(ctx, rec) }()
	u.Send(token, "hello")
	require.True(t, srv.WaitUntil(10*time.Second, func() bool { return len(rec.seen()) == 1 }))
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, int64(1), srv.Confirmed(token))
	assert.Zero(t, srv.Pending(token))
}
