package telegram_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/telegram"
)

// pollResult runs Poll in the background and returns its result, or fails
// the test when Poll still runs after a while.
func pollResult(t *testing.T, b *telegram.Bot, h telegram.Handler) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- b.Poll(bg, h) }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Poll did not stop")
		return nil
	}
}

// A bot with a webhook set: Poll stops at once with ErrWebhookActive and
// says what to do, instead of asking again every few seconds; once the
// webhook is deleted it polls, and gets the update that waited.
func TestPollStopsOnWebhook(t *testing.T) {
	srv, b := newBot(t)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer hook.Close()
	require.NoError(t, b.SetWebhook(bg, hook.URL+"/hook", "s3cret"))
	srv.User(42, "A", "es").Send(token, "hello")

	rec := &updateRecorder{}
	err := pollResult(t, b, rec)
	require.ErrorIs(t, err, telegram.ErrWebhookActive)
	assert.ErrorIs(t, err, channel.ErrInvalid)
	assert.NotErrorIs(t, err, telegram.ErrOtherPoller)
	var fatal *telegram.FatalError
	require.ErrorAs(t, err, &fatal)
	assert.Equal(t, http.StatusConflict, fatal.Code)
	assert.Equal(t, "getUpdates", fatal.Method)
	assert.Contains(t, fatal.Description, "webhook is active")
	assert.Contains(t, err.Error(), "the bot has a webhook set")
	assert.Contains(t, err.Error(), "deleteWebhook")
	assert.Len(t, srv.CallsTo("getUpdates"), 1, "asked once, not again")
	assert.Empty(t, rec.seen())

	require.NoError(t, b.DeleteWebhook(bg))
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- b.Poll(ctx, rec) }()
	require.True(t, srv.WaitUntil(10*time.Second, func() bool { return len(rec.seen()) == 1 }), "the waiting update is polled")
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
}

// Another process polls the same bot: Telegram ends this one's request
// with 409, and Poll stops with ErrOtherPoller; it sends no request on its
// way out, which would end the other's in turn, and the other keeps
// receiving.
func TestPollStopsOnOtherPoller(t *testing.T) {
	srv, first := newBot(t)
	second, err := telegram.New(token, telegram.WithAPIURL(srv.URL()), telegram.WithPollTimeout(time.Second))
	require.NoError(t, err)
	u := srv.User(42, "A", "es")

	firstRec := &updateRecorder{}
	firstDone := make(chan error, 1)
	go func() { firstDone <- first.Poll(bg, firstRec) }()
	u.Send(token, "one")
	require.True(t, srv.WaitUntil(10*time.Second, func() bool { return len(firstRec.seen()) == 1 && srv.Polling(token) }))

	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	secondRec := &updateRecorder{}
	secondDone := make(chan error, 1)
	go func() { secondDone <- second.Poll(ctx, secondRec) }()

	var fatal *telegram.FatalError
	select {
	case err := <-firstDone:
		require.ErrorIs(t, err, telegram.ErrOtherPoller)
		assert.ErrorIs(t, err, channel.ErrInvalid)
		require.ErrorAs(t, err, &fatal)
		assert.Equal(t, http.StatusConflict, fatal.Code)
		assert.Contains(t, err.Error(), "another process polls the same bot")
		assert.Contains(t, err.Error(), "stop the other process")
	case <-time.After(10 * time.Second):
		t.Fatal("the first poller did not stop")
	}

	u.Send(token, "two")
	require.True(t, srv.WaitUntil(10*time.Second, func() bool { return len(secondRec.seen()) == 1 }), "the other poller receives")
	time.Sleep(1500 * time.Millisecond) // a long poll of the second ends and another starts
	u.Send(token, "three")
	require.True(t, srv.WaitUntil(10*time.Second, func() bool { return len(secondRec.seen()) == 2 }))
	select {
	case err := <-secondDone:
		t.Fatalf("the other poller stopped: %v", err)
	default:
	}
	assert.Equal(t, []int64{1}, firstRec.seen())
	assert.Equal(t, []int64{2, 3}, secondRec.seen())
}

// scriptedAPI answers getUpdates from a script, one answer a request, and
// then with one update and empty batches.
type scriptedAPI struct {
	mu       sync.Mutex
	script   []func(w http.ResponseWriter)
	requests atomic.Int32
}

func (s *scriptedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.requests.Add(1)) - 1
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < len(s.script) {
		s.script[n](w)
		return
	}
	var in struct{ Offset int64 }
	_ = json.NewDecoder(r.Body).Decode(&in)
	result := "[]"
	if in.Offset <= 5 {
		result = `[{"update_id":5,"message":{"message_id":1,"date":0,"chat":{"id":42,"type":"private"},"text":"hi"}}]`
	} else {
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Fprintf(w, `{"ok":true,"result":%s}`, result)
}

func apiError(code int, description string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		body, _ := json.Marshal(map[string]any{"ok": false, "error_code": code, "description": description})
		_, _ = w.Write(body)
	}
}

func plain(code int, text string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) { http.Error(w, text, code) }
}

// Which answers of getUpdates stop Poll and which it waits out: 4xx but
// 429 are fatal, each with the cause that tells the operator what to do;
// 5xx, 429 and what is not the Bot API's answer at a 5xx are tried again,
// and the update that follows is handled.
func TestPollFatalAndTemporaryAnswers(t *testing.T) {
	fatal := []struct {
		name   string
		answer func(w http.ResponseWriter)
		code   int
		cause  error
	}{
		{"401", apiError(401, "Unauthorized"), 401, telegram.ErrTokenRefused},
		{"404", apiError(404, "Not Found"), 404, telegram.ErrTokenRefused},
		{"403", apiError(403, "Forbidden: bot was kicked"), 403, nil},
		{"400", apiError(400, "Bad Request: wrong offset"), 400, nil},
		{"409 webhook", apiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"), 409, telegram.ErrWebhookActive},
		{"409 other", apiError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"), 409, telegram.ErrOtherPoller},
		{"404 not the Bot API", plain(404, "<html>no such page</html>"), 404, nil},
	}
	for _, c := range fatal {
		t.Run(c.name, func(t *testing.T) {
			api := &scriptedAPI{script: []func(http.ResponseWriter){c.answer}}
			hs := httptest.NewServer(api)
			defer hs.Close()
			b, err := telegram.New(token, telegram.WithAPIURL(hs.URL), telegram.WithPollTimeout(time.Second))
			require.NoError(t, err)
			rec := &updateRecorder{}
			err = pollResult(t, b, rec)
			var fe *telegram.FatalError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, c.code, fe.Code)
			assert.ErrorIs(t, err, channel.ErrInvalid)
			assert.Equal(t, c.cause, fe.Cause)
			for _, other := range []error{telegram.ErrTokenRefused, telegram.ErrWebhookActive, telegram.ErrOtherPoller} {
				if other != c.cause {
					assert.NotErrorIs(t, err, other)
				}
			}
			assert.NotContains(t, err.Error(), token, "the token is not in the message")
			assert.Equal(t, int32(1), api.requests.Load(), "not asked again")
			assert.Empty(t, rec.seen())
		})
	}

	temporary := []struct {
		name   string
		answer func(w http.ResponseWriter)
	}{
		{"500", apiError(500, "Internal Server Error")},
		{"502 not the Bot API", plain(502, "Bad Gateway")},
		{"429", func(w http.ResponseWriter) {
			w.WriteHeader(429)
			_, _ = w.Write([]byte(`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`))
		}},
	}
	for _, c := range temporary {
		t.Run(c.name, func(t *testing.T) {
			api := &scriptedAPI{script: []func(http.ResponseWriter){c.answer, c.answer}}
			hs := httptest.NewServer(api)
			defer hs.Close()
			b, err := telegram.New(token, telegram.WithAPIURL(hs.URL), telegram.WithPollTimeout(time.Second))
			require.NoError(t, err)
			rec := &updateRecorder{}
			ctx, cancel := context.WithCancel(bg)
			done := make(chan error, 1)
			go func() { done <- b.Poll(ctx, rec) }()
			deadline := time.Now().Add(10 * time.Second)
			for len(rec.seen()) == 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			assert.Equal(t, []int64{5}, rec.seen(), "asked again until the update came")
			assert.GreaterOrEqual(t, api.requests.Load(), int32(3))
			cancel()
			assert.ErrorIs(t, <-done, context.Canceled)
		})
	}
}

// WebhookInfo reports the webhook's URL, the updates that wait and the
// last delivery error; SetWebhook sends the secret with each delivery;
// DeleteWebhook keeps the waiting updates for Poll.
func TestWebhookInfo(t *testing.T) {
	srv, b := newBot(t)
	info, err := b.WebhookInfo(bg)
	require.NoError(t, err)
	assert.Equal(t, telegram.WebhookInfo{}, info, "no webhook, nothing waits")

	var secrets sync.Map
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secrets.Store(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"), true)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer hook.Close()
	srv.User(42, "A", "es").Send(token, "hello")
	info, err = b.WebhookInfo(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, info.PendingUpdates)
	assert.Empty(t, info.URL)

	require.NoError(t, b.SetWebhook(bg, hook.URL+"/hook", "s3cret-token_1"))
	require.True(t, srv.WaitUntil(10*time.Second, func() bool {
		info, err = b.WebhookInfo(bg)
		return err == nil && info.LastError != ""
	}))
	assert.Equal(t, hook.URL+"/hook", info.URL)
	assert.Equal(t, 1, info.PendingUpdates)
	assert.Contains(t, info.LastError, "503")
	assert.WithinDuration(t, time.Now(), info.LastErrorAt, time.Minute)
	_, sent := secrets.Load("s3cret-token_1")
	assert.True(t, sent, "the secret comes with each delivery")

	err = b.SetWebhook(bg, hook.URL+"/hook", "not a secret!")
	assert.ErrorIs(t, err, channel.ErrRefused, "Telegram refuses a secret with spaces")

	require.NoError(t, b.DeleteWebhook(bg))
	info, err = b.WebhookInfo(bg)
	require.NoError(t, err)
	assert.Empty(t, info.URL)
	assert.Empty(t, info.LastError)
	assert.Equal(t, 1, info.PendingUpdates, "deleting the webhook keeps what waits")

	srv.Close()
	_, err = b.WebhookInfo(bg)
	assert.ErrorIs(t, err, channel.ErrUnavailable)
}
