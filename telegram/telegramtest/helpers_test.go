package telegramtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	token      = "123456:TEST-token"
	otherToken = "654321:OTHER-token"
	waitLimit  = 5 * time.Second
)

// fakeClock is a manually advanced clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// errorSink collects the bot library's errors without touching t from its
// goroutines.
type errorSink struct {
	mu   sync.Mutex
	errs []error
}

func (e *errorSink) handle(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, err)
}

func (e *errorSink) list() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}

// newServer starts a server with one bot (token) and closes it at cleanup.
func newServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	srv := NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddBot(token, "support_bot")
	return srv
}

// newBot returns a go-telegram/bot client for token talking to srv.
func newBot(t *testing.T, srv *Server, tok string, opts ...bot.Option) *bot.Bot {
	t.Helper()
	sink := &errorSink{}
	all := append([]bot.Option{
		bot.WithServerURL(srv.URL()),
		bot.WithSkipGetMe(),
		bot.WithErrorsHandler(sink.handle),
	}, opts...)
	b, err := bot.New(tok, all...)
	require.NoError(t, err)
	// Runs after the goroutines started with run have stopped.
	t.Cleanup(func() { assert.Empty(t, sink.list(), "errors reported by the bot library") })
	return b
}

// run starts fn(ctx) in a goroutine and, at cleanup (before the server is
// closed), cancels ctx and waits for fn to return.
func run(t *testing.T, fn func(ctx context.Context)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(waitLimit):
			t.Error("goroutine did not stop")
		}
	})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// envelope is Telegram's answer envelope.
type envelope struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// rawCall performs an HTTP request and decodes the envelope. It does not
// use t, so it may run in goroutines.
func rawCall(method, url, contentType, body string) (int, envelope, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, envelope{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := &http.Client{Timeout: 60 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, envelope{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, envelope{}, err
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return resp.StatusCode, envelope{}, err
	}
	return resp.StatusCode, env, nil
}

// mustCall is rawCall for the test goroutine.
func mustCall(t *testing.T, method, url, contentType, body string) (int, envelope) {
	t.Helper()
	status, env, err := rawCall(method, url, contentType, body)
	require.NoError(t, err)
	return status, env
}

// updatesOf decodes a getUpdates result.
func updatesOf(t *testing.T, env envelope) []models.Update {
	t.Helper()
	require.True(t, env.OK, env.Description)
	var ups []models.Update
	require.NoError(t, json.Unmarshal(env.Result, &ups))
	return ups
}

func updateIDs(ups []models.Update) []int64 {
	ids := make([]int64, 0, len(ups))
	for _, u := range ups {
		ids = append(ids, u.ID)
	}
	return ids
}

// receive waits for one value from ch.
func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatal("timed out waiting")
		var zero T
		return zero
	}
}
