package telegramtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// collect returns a bot option delivering every update to the returned
// channel, in order.
func collect() (chan *models.Update, []bot.Option) {
	ch := make(chan *models.Update, 64)
	return ch, []bot.Option{
		bot.WithNotAsyncHandlers(),
		bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) { ch <- u }),
	}
}

func TestLongPollingWithLibrary(t *testing.T) {
	srv := newServer(t)
	srv.AddBot(otherToken, "other_bot")
	alice := srv.User(42, "Alice", "en")
	bob := srv.User(43, "Bob", "fr")
	team := srv.Group(-100, "Team")
	updates, opts := collect()
	b := newBot(t, srv, token, opts...)
	run(t, b.Start)

	text := alice.Send(token, "hello")
	u := receive(t, updates)
	assert.Equal(t, int64(1), u.ID)
	require.NotNil(t, u.Message)
	assert.Equal(t, text, *u.Message)
	assert.Equal(t, "hello", u.Message.Text)

	voice := alice.SendVoice(token, "voice-1", 5)
	u = receive(t, updates)
	require.NotNil(t, u.Message)
	assert.Equal(t, voice, *u.Message)
	require.NotNil(t, u.Message.Voice)
	assert.Equal(t, "voice-1", u.Message.Voice.FileID)
	assert.Equal(t, 5, u.Message.Voice.Duration)

	doc := alice.SendDocument(token, "doc-1", "cv.pdf", "application/pdf", 1234)
	u = receive(t, updates)
	require.NotNil(t, u.Message.Document)
	assert.Equal(t, doc, *u.Message)
	assert.Equal(t, models.Document{FileID: "doc-1", FileUniqueID: doc.Document.FileUniqueID, FileName: "cv.pdf", MimeType: "application/pdf", FileSize: 1234}, *u.Message.Document)

	photo := alice.SendPhoto(token, "photo-1", "look at this")
	u = receive(t, updates)
	assert.Equal(t, photo, *u.Message)
	require.Len(t, u.Message.Photo, 2)
	assert.Equal(t, "photo-1", u.Message.Photo[len(u.Message.Photo)-1].FileID, "the largest size is last")
	assert.Equal(t, "look at this", u.Message.Caption)

	audio := alice.SendAudio(token, "audio-1", 120, "Song")
	u = receive(t, updates)
	require.NotNil(t, u.Message.Audio)
	assert.Equal(t, audio, *u.Message)
	assert.Equal(t, "Song", u.Message.Audio.Title)

	edited := alice.Edit(token, text.ID, "hello again")
	u = receive(t, updates)
	assert.Nil(t, u.Message)
	require.NotNil(t, u.EditedMessage)
	assert.Equal(t, edited, *u.EditedMessage)
	assert.Equal(t, text.ID, u.EditedMessage.ID)
	assert.Equal(t, "hello again", u.EditedMessage.Text)
	assert.NotZero(t, u.EditedMessage.EditDate)
	assert.Equal(t, "hello again", srv.Chat(42)[0].Text, "edit applied in the chat")

	captioned := alice.Edit(token, photo.ID, "new caption")
	u = receive(t, updates)
	assert.Equal(t, captioned, *u.EditedMessage)
	assert.Equal(t, "new caption", u.EditedMessage.Caption)

	question := team.Send(token, bob, "question?", 0)
	u = receive(t, updates)
	assert.Equal(t, question, *u.Message)
	assert.Equal(t, team.Chat(), u.Message.Chat)
	assert.Equal(t, bob.Model(), *u.Message.From)

	answer := team.Send(token, alice, "answer", question.ID)
	u = receive(t, updates)
	assert.Equal(t, answer, *u.Message)
	require.NotNil(t, u.Message.ReplyToMessage)
	assert.Equal(t, question, *u.Message.ReplyToMessage)

	team.Edit(token, bob, question.ID, "better question?")
	u = receive(t, updates)
	require.NotNil(t, u.EditedMessage)
	assert.Equal(t, "better question?", u.EditedMessage.Text)
	assert.Equal(t, int64(10), u.ID)

	// Updates for another bot are not delivered to this one.
	alice.Send(otherToken, "for the other bot")
	assert.Equal(t, 1, srv.Pending(otherToken))

	require.True(t, srv.WaitUntil(waitLimit, func() bool {
		return srv.Confirmed(token) == 10 && srv.Pending(token) == 0
	}), "confirmed=%d pending=%d", srv.Confirmed(token), srv.Pending(token))
	assert.Empty(t, updates)
	assert.Equal(t, int64(0), srv.Confirmed(otherToken))
}

func TestEchoBot(t *testing.T) {
	srv := newServer(t)
	alice := srv.User(42, "Alice", "en")
	b := newBot(t, srv, token, bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
		if u.Message != nil {
			_, _ = b.SendMessage(ctx, &bot.SendMessageParams{
				ChatID:          u.Message.Chat.ID,
				Text:            "echo: " + u.Message.Text,
				ReplyParameters: &models.ReplyParameters{MessageID: u.Message.ID},
			})
		}
	}))
	run(t, b.Start)

	in := alice.Send(token, "ping")
	require.True(t, srv.WaitUntil(waitLimit, func() bool { return len(srv.Sent(token, 42)) == 1 }))
	out := srv.Sent(token, 42)[0]
	assert.Equal(t, "echo: ping", out.Text)
	require.NotNil(t, out.ReplyToMessage)
	assert.Equal(t, in, *out.ReplyToMessage)
	assert.Equal(t, []models.Message{in, out}, srv.Chat(42))
}

func TestGetUpdatesOffsets(t *testing.T) {
	srv := newServer(t)
	alice := srv.User(42, "Alice", "en")
	base := srv.URL() + "/bot" + token + "/getUpdates"
	get := func(query string) []int64 {
		t.Helper()
		status, env := mustCall(t, http.MethodGet, base+query, "", "")
		require.Equal(t, http.StatusOK, status, env.Description)
		return updateIDs(updatesOf(t, env))
	}

	assert.Equal(t, []int64{}, get(""), "no updates: empty array at once")
	for i := 0; i < 3; i++ {
		alice.Send(token, "m")
	}
	assert.Equal(t, []int64{1, 2, 3}, get(""))
	assert.Equal(t, 3, srv.Pending(token), "delivered but not confirmed")
	assert.Equal(t, int64(0), srv.Confirmed(token))
	assert.Equal(t, []int64{1}, get("?limit=1"))
	assert.Equal(t, []int64{2, 3}, get("?offset=2"))
	assert.Equal(t, 2, srv.Pending(token))
	assert.Equal(t, int64(1), srv.Confirmed(token))

	status, env := mustCall(t, http.MethodPost, base, "application/x-www-form-urlencoded", "offset=4")
	require.Equal(t, http.StatusOK, status)
	assert.Empty(t, updatesOf(t, env))
	assert.Equal(t, 0, srv.Pending(token))
	assert.Equal(t, int64(3), srv.Confirmed(token))
	assert.Equal(t, []int64{}, get("?offset=100"))
	assert.Equal(t, int64(3), srv.Confirmed(token), "capped to the last update issued")

	// Negative offsets keep the last updates.
	for i := 0; i < 3; i++ {
		alice.Send(token, "m")
	}
	assert.Equal(t, []int64{6}, get("?offset=-1"))
	assert.Equal(t, int64(5), srv.Confirmed(token))

	// JSON body.
	status, env = mustCall(t, http.MethodPost, base, "application/json", `{"offset":7,"timeout":0}`)
	require.Equal(t, http.StatusOK, status)
	assert.Empty(t, updatesOf(t, env))
	assert.Equal(t, int64(6), srv.Confirmed(token))

	status, env = mustCall(t, http.MethodGet, base+"?offset=abc", "", "")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, env.Description, "Bad Request")

	calls := srv.CallsTo("getUpdates")
	require.NotEmpty(t, calls)
	assert.Equal(t, "1", calls[2].Params["limit"])
}

func TestGetUpdatesLongPoll(t *testing.T) {
	srv := newServer(t)
	alice := srv.User(42, "Alice", "en")
	base := srv.URL() + "/bot" + token + "/getUpdates"
	type res struct {
		status int
		env    envelope
		err    error
		took   time.Duration
	}
	poll := func(method, query, ctype, body string) chan res {
		ch := make(chan res, 1)
		go func() {
			start := time.Now()
			status, env, err := rawCall(method, base+query, ctype, body)
			ch <- res{status, env, err, time.Since(start)}
		}()
		return ch
	}

	// Returns as soon as an update arrives.
	done := poll(http.MethodPost, "", "application/json", `{"offset":1,"timeout":30}`)
	require.True(t, srv.WaitUntil(waitLimit, func() bool { return srv.Polling(token) }))
	m := alice.Send(token, "wake up")
	r := receive(t, done)
	require.NoError(t, r.err)
	require.Equal(t, http.StatusOK, r.status, r.env.Description)
	ups := updatesOf(t, r.env)
	require.Len(t, ups, 1)
	assert.Equal(t, m, *ups[0].Message)
	assert.Less(t, r.took, 10*time.Second)
	assert.False(t, srv.Polling(token))

	// Times out with an empty result.
	start := time.Now()
	status, env := mustCall(t, http.MethodGet, base+"?offset=2&timeout=1", "", "")
	took := time.Since(start)
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `[]`, string(env.Result))
	assert.GreaterOrEqual(t, took, 900*time.Millisecond)
	assert.Less(t, took, waitLimit)
	assert.Equal(t, int64(1), srv.Confirmed(token))

	// A second getUpdates terminates a waiting one.
	first := poll(http.MethodGet, "?offset=2&timeout=30", "", "")
	require.True(t, srv.WaitUntil(waitLimit, func() bool { return srv.Polling(token) }))
	status, _ = mustCall(t, http.MethodGet, base+"?offset=2", "", "")
	assert.Equal(t, http.StatusOK, status)
	r = receive(t, first)
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", r.env.Description)

	// Ends when the request's context ends.
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan error, 1)
	go func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"?offset=2&timeout=30", nil)
		if err == nil {
			var resp *http.Response
			resp, err = http.DefaultClient.Do(req)
			if err == nil {
				_ = resp.Body.Close()
			}
		}
		gone <- err
	}()
	require.True(t, srv.WaitUntil(waitLimit, func() bool { return srv.Polling(token) }))
	cancel()
	assert.ErrorIs(t, receive(t, gone), context.Canceled)
	assert.True(t, srv.WaitUntil(waitLimit, func() bool { return !srv.Polling(token) }))
}

func TestRedeliverWithLibrary(t *testing.T) {
	srv := newServer(t)
	alice := srv.User(42, "Alice", "en")
	updates, opts := collect()
	b := newBot(t, srv, token, opts...)
	run(t, b.Start)

	m := alice.Send(token, "pay 10 EUR")
	first := receive(t, updates)
	require.True(t, srv.WaitUntil(waitLimit, func() bool { return srv.Confirmed(token) == 1 }))

	srv.Redeliver(token, first.ID)
	second := receive(t, updates)
	assert.Equal(t, first.ID, second.ID)
	assert.Equal(t, first, second)
	assert.Equal(t, m, *second.Message)

	// The client carries on normally afterwards.
	alice.Send(token, "next")
	next := receive(t, updates)
	assert.Equal(t, int64(2), next.ID)
	require.True(t, srv.WaitUntil(waitLimit, func() bool {
		return srv.Confirmed(token) == 2 && srv.Pending(token) == 0
	}))
	assert.Empty(t, updates)
}

func TestRedeliverOrdering(t *testing.T) {
	srv := newServer(t)
	alice := srv.User(42, "Alice", "en")
	base := srv.URL() + "/bot" + token + "/getUpdates"
	get := func(query string) []int64 {
		t.Helper()
		status, env := mustCall(t, http.MethodGet, base+query, "", "")
		require.Equal(t, http.StatusOK, status, env.Description)
		return updateIDs(updatesOf(t, env))
	}

	// Redelivering a still pending update: it comes twice in one answer.
	alice.Send(token, "1")
	assert.Equal(t, []int64{1}, get(""))
	srv.Redeliver(token, 1)
	assert.Equal(t, 2, srv.Pending(token))
	assert.Equal(t, []int64{1, 1}, get(""))
	assert.Equal(t, []int64{}, get("?offset=2"))
	assert.Equal(t, 0, srv.Pending(token))

	// Redelivering a confirmed update: the offset does not drop it before
	// it was delivered.
	alice.Send(token, "2")
	alice.Send(token, "3")
	assert.Equal(t, []int64{2, 3}, get("?offset=2"))
	srv.Redeliver(token, 2)
	assert.Equal(t, []int64{2}, get("?offset=4"))
	assert.Equal(t, int64(3), srv.Confirmed(token))
	assert.Equal(t, []int64{}, get("?offset=3"), "go-telegram/bot style offset after it")
	assert.Equal(t, 0, srv.Pending(token))
	assert.Equal(t, int64(3), srv.Confirmed(token))

	// Never an update after a higher one in the same answer.
	alice.Send(token, "4")
	srv.Redeliver(token, 3)
	alice.Send(token, "5")
	assert.Equal(t, []int64{4}, get("?offset=4"))
	assert.Equal(t, []int64{3, 5}, get("?offset=5"))
	assert.Equal(t, []int64{}, get("?offset=6"))
	assert.Equal(t, int64(5), srv.Confirmed(token))
	assert.Equal(t, 0, srv.Pending(token))
}

// hookRecorder is a webhook endpoint that fails its first failures
// requests with 500 and hands the others to next.
type hookRecorder struct {
	mu       sync.Mutex
	failures int
	attempts int
	secrets  []string
	next     http.Handler
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.attempts++
	fail := h.attempts <= h.failures
	h.secrets = append(h.secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
	h.mu.Unlock()
	if fail {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	h.next.ServeHTTP(w, r)
}

func (h *hookRecorder) stats() (int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.attempts, append([]string(nil), h.secrets...)
}

func TestWebhook(t *testing.T) {
	srv := newServer(t, WithWebhookRetry(5*time.Millisecond, 20*time.Millisecond))
	alice := srv.User(42, "Alice", "en")
	updates, opts := collect()
	b := newBot(t, srv, token, append(opts, bot.WithWebhookSecretToken("s3cr3t-token_1"))...)
	rec := &hookRecorder{failures: 2, next: b.WebhookHandler()}
	hook := httptest.NewServer(rec)
	t.Cleanup(hook.Close)
	run(t, b.StartWebhook)
	ctx := ctxT(t)

	// A waiting getUpdates is ended by setWebhook.
	polled := make(chan int, 1)
	go func() {
		status, _, _ := rawCall(http.MethodGet, srv.URL()+"/bot"+token+"/getUpdates?timeout=30", "", "")
		polled <- status
	}()
	require.True(t, srv.WaitUntil(waitLimit, func() bool { return srv.Polling(token) }))

	ok, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: hook.URL, SecretToken: "s3cr3t-token_1"})
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, http.StatusConflict, receive(t, polled))

	m := alice.Send(token, "via webhook")
	u := receive(t, updates)
	assert.Equal(t, int64(1), u.ID)
	assert.Equal(t, m, *u.Message)
	require.True(t, srv.WaitUntil(waitLimit, func() bool {
		return srv.Confirmed(token) == 1 && srv.Pending(token) == 0
	}))
	attempts, secrets := rec.stats()
	assert.Equal(t, 3, attempts, "two failures then success")
	assert.Equal(t, []string{"s3cr3t-token_1", "s3cr3t-token_1", "s3cr3t-token_1"}, secrets)

	info, err := b.GetWebhookInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, hook.URL, info.URL)
	assert.Equal(t, 0, info.PendingUpdateCount)
	assert.Contains(t, info.LastErrorMessage, "500")
	assert.NotZero(t, info.LastErrorDate)

	// getUpdates is refused meanwhile.
	status, env := mustCall(t, http.MethodGet, srv.URL()+"/bot"+token+"/getUpdates", "", "")
	assert.Equal(t, http.StatusConflict, status)
	assert.Equal(t, 409, env.ErrorCode)
	assert.Equal(t, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first", env.Description)

	// Further updates go through in order.
	alice.Send(token, "two")
	alice.Send(token, "three")
	assert.Equal(t, "two", receive(t, updates).Message.Text)
	assert.Equal(t, "three", receive(t, updates).Message.Text)
	require.True(t, srv.WaitUntil(waitLimit, func() bool { return srv.Confirmed(token) == 3 }))
	attempts, _ = rec.stats()
	assert.Equal(t, 5, attempts)

	// After deleteWebhook updates wait for getUpdates.
	ok, err = b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{})
	require.NoError(t, err)
	assert.True(t, ok)
	alice.Send(token, "four")
	status, env = mustCall(t, http.MethodGet, srv.URL()+"/bot"+token+"/getUpdates", "", "")
	require.Equal(t, http.StatusOK, status, env.Description)
	ups := updatesOf(t, env)
	require.Len(t, ups, 1)
	assert.Equal(t, "four", ups[0].Message.Text)
	attempts, _ = rec.stats()
	assert.Equal(t, 5, attempts)
	assert.Equal(t, 1, srv.Pending(token))
}

func TestWebhookDropPendingAndNoSecret(t *testing.T) {
	srv := newServer(t, WithWebhookRetry(5*time.Millisecond, 20*time.Millisecond))
	alice := srv.User(42, "Alice", "en")
	got := make(chan *models.Update, 8)
	rec := &hookRecorder{next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u models.Update
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got <- &u
	})}
	hook := httptest.NewServer(rec)
	t.Cleanup(hook.Close)
	b := newBot(t, srv, token)
	ctx := ctxT(t)

	alice.Send(token, "old 1")
	alice.Send(token, "old 2")
	require.Equal(t, 2, srv.Pending(token))
	_, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: hook.URL, DropPendingUpdates: true})
	require.NoError(t, err)
	assert.Equal(t, 0, srv.Pending(token))
	assert.Equal(t, int64(0), srv.Confirmed(token), "dropped updates are not confirmed")

	alice.Send(token, "new")
	u := receive(t, got)
	assert.Equal(t, int64(3), u.ID)
	assert.Equal(t, "new", u.Message.Text)
	_, secrets := rec.stats()
	assert.Equal(t, []string{""}, secrets)
	require.True(t, srv.WaitUntil(waitLimit, func() bool { return srv.Confirmed(token) == 3 }))

	_, err = b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "ftp://example.com/hook"})
	assert.ErrorIs(t, err, bot.ErrorBadRequest)
	_, err = b.SetWebhook(ctx, &bot.SetWebhookParams{URL: hook.URL, SecretToken: "bad secret!"})
	assert.ErrorContains(t, err, "secret token contains unallowed characters")

	// An empty URL removes the webhook.
	_, err = b.SetWebhook(ctx, &bot.SetWebhookParams{URL: ""})
	require.NoError(t, err)
	info, err := b.GetWebhookInfo(ctx)
	require.NoError(t, err)
	assert.Empty(t, info.URL)
	status, _ := mustCall(t, http.MethodGet, srv.URL()+"/bot"+token+"/getUpdates", "", "")
	assert.Equal(t, http.StatusOK, status)
}

// In a group, as on Telegram, message ids increase with every message,
// whoever sends it (bots and people share one sequence per chat), and a
// person's reply to a bot's message names the bot as the replied message's
// sender: the help desk relies on both to place a copy it sent but did not
// record.
func TestGroupIDsAndReplyToBot(t *testing.T) {
	srv := newServer(t)
	team := srv.Group(-100, "Team")
	bob := srv.User(7, "Bob", "en")
	b := newBot(t, srv, token)
	ctx := context.Background()

	first := team.Send(token, bob, "hi", 0)
	posted, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: team.ID(), Text: "from the bot"})
	require.NoError(t, err)
	copied, err := b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: team.ID(), FromChatID: team.ID(), MessageID: first.ID})
	require.NoError(t, err)
	reply := team.Send(token, bob, "to the bot", copied.ID)
	assert.Equal(t, []int{first.ID, first.ID + 1, first.ID + 2, first.ID + 3}, []int{first.ID, posted.ID, copied.ID, reply.ID})

	require.NotNil(t, reply.ReplyToMessage)
	require.NotNil(t, reply.ReplyToMessage.From)
	assert.Equal(t, copied.ID, reply.ReplyToMessage.ID)
	assert.True(t, reply.ReplyToMessage.From.IsBot)
	assert.Equal(t, posted.From.ID, reply.ReplyToMessage.From.ID)

	sticker := team.Post(token, bob, models.Message{Sticker: &models.Sticker{FileID: "s1", Emoji: "👍"}}, posted.ID)
	assert.Equal(t, reply.ID+1, sticker.ID)
	require.NotNil(t, sticker.Sticker)
	assert.Equal(t, bob.Model(), *sticker.From)
	require.NotNil(t, sticker.ReplyToMessage)
	assert.Equal(t, posted.ID, sticker.ReplyToMessage.ID)
}
