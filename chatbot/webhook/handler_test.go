package webhook_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/webhook"
)

// post sends body to h as a turn, signed at now+skew with key unless key
// is nil, with extra headers.
func post(h http.Handler, key []byte, skew time.Duration, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/turns", strings.NewReader(body))
	if key != nil {
		ts := webhook.Timestamp(time.Now().Add(skew))
		req.Header.Set(webhook.TimestampHeader, ts)
		req.Header.Set(webhook.SignatureHeader, webhook.Sign(key, ts, []byte(body)))
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// Handler answers a signed turn with its bot's reply, signed with the
// same secret over a fresh timestamp.
func TestHandlerSignsTheReply(t *testing.T) {
	h := webhook.Handler(secret, chatbot.Func(func(_ context.Context, tr chatbot.Turn) (chatbot.Reply, error) {
		return chatbot.Reply{Messages: []chatbot.Message{{Text: "hi " + string(tr.ID)}}, Actions: []chatbot.Action{chatbot.TurnOff{}}}, nil
	}))
	body, _ := webhook.EncodeTurn(fullTurn())
	w := post(h, secret, 0, string(body), webhook.IdempotencyHeader, "turn-7")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	const want = `{"messages":[{"text":"hi turn-7"}],"actions":[{"type":"turn_off"}]}`
	if w.Body.String() != want {
		t.Errorf("body %s, want %s", w.Body, want)
	}
	if err := webhook.Verify(secret, w.Header().Get(webhook.TimestampHeader), w.Header().Get(webhook.SignatureHeader), w.Body.Bytes(), time.Now(), 2*time.Second); err != nil {
		t.Errorf("reply signature: %v", err)
	}
}

// Handler refuses what is not a fresh turn signed with its secret, before
// the bot sees it, and says why; a bot's failure is a 500.
func TestHandlerRefuses(t *testing.T) {
	calls := 0
	h := webhook.Handler(secret, chatbot.Func(func(_ context.Context, tr chatbot.Turn) (chatbot.Reply, error) {
		calls++
		switch tr.Text() {
		case "fail":
			return chatbot.Reply{}, errors.New("the model is down")
		case "nil action":
			return chatbot.Reply{Actions: []chatbot.Action{nil}}, nil
		}
		return chatbot.Reply{}, nil
	}))
	turn := func(text string) string {
		tr := fullTurn()
		tr.Messages = []chatbot.Inbound{{ID: "m", Text: text}}
		b, _ := webhook.EncodeTurn(tr)
		return string(b)
	}
	for _, c := range []struct {
		name   string
		send   func() *httptest.ResponseRecorder
		status int
		says   string
		called bool
	}{
		{"unsigned", func() *httptest.ResponseRecorder { return post(h, nil, 0, turn("hi")) }, 401, "no X-Contactcenter-Timestamp header", false},
		{"another secret", func() *httptest.ResponseRecorder { return post(h, []byte("another"), 0, turn("hi")) }, 401, "does not match", false},
		{"stale", func() *httptest.ResponseRecorder { return post(h, secret, -10*time.Minute, turn("hi")) }, 401, "timestamp outside the tolerance", false},
		{"future", func() *httptest.ResponseRecorder { return post(h, secret, 10*time.Minute, turn("hi")) }, 401, "timestamp outside the tolerance", false},
		{"malformed", func() *httptest.ResponseRecorder { return post(h, secret, 0, `{"id":`) }, 400, "malformed JSON", false},
		{"invalid turn", func() *httptest.ResponseRecorder { return post(h, secret, 0, `{"id":"t","kind":"message"}`) }, 400, "bot name of 0 bytes", false},
		{"idempotency key of another turn", func() *httptest.ResponseRecorder {
			return post(h, secret, 0, turn("hi"), webhook.IdempotencyHeader, "turn-8")
		}, 400, `Idempotency-Key "turn-8" is not the turn's id "turn-7"`, false},
		{"too large", func() *httptest.ResponseRecorder {
			return post(h, secret, 0, `{"id":"`+strings.Repeat("x", webhook.MaxTurnBytes)+`"}`)
		}, 413, "turn of more than 8388608 bytes", false},
		{"bot fails", func() *httptest.ResponseRecorder { return post(h, secret, 0, turn("fail")) }, 500, "webhook: the bot failed: the model is down", true},
		{"reply cannot be encoded", func() *httptest.ResponseRecorder { return post(h, secret, 0, turn("nil action")) }, 500, "reply: actions[0]: nil action", true},
	} {
		calls = 0
		w := c.send()
		if w.Code != c.status || !strings.Contains(w.Body.String(), c.says) {
			t.Errorf("%s: %d %q, want %d saying %q", c.name, w.Code, w.Body, c.status, c.says)
		}
		if w.Header().Get(webhook.SignatureHeader) != "" {
			t.Errorf("%s: an error answer is signed", c.name)
		}
		if called := calls == 1; called != c.called {
			t.Errorf("%s: the bot called: %v, want %v", c.name, called, c.called)
		}
	}
	calls = 0
	req := httptest.NewRequest(http.MethodGet, "/turns", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
		t.Errorf("GET: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
	if calls != 0 {
		t.Errorf("GET called the bot")
	}
}

// Handler needs a secret and a bot.
func TestHandlerPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"no secret": func() { webhook.Handler(nil, chatbot.Func(nil)) },
		"no bot":    func() { webhook.Handler(secret, nil) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "webhook: Handler without") {
					t.Errorf("%s: recovered %v", name, r)
				}
			}()
			f()
		}()
	}
}

// Handler reads the request's body once, whatever its transfer encoding,
// and answers through a real server as well as a recorder.
func TestHandlerOverHTTP(t *testing.T) {
	srv := httptest.NewServer(webhook.Handler(secret, chatbot.Func(func(context.Context, chatbot.Turn) (chatbot.Reply, error) {
		return chatbot.Reply{State: chatbot.State("s")}, nil
	})))
	defer srv.Close()
	body, _ := webhook.EncodeTurn(fullTurn())
	ts := webhook.Timestamp(time.Now())
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write(body[:10])
		_, _ = pw.Write(body[10:])
		_ = pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, pr) // chunked: no length
	req.Header.Set(webhook.TimestampHeader, ts)
	req.Header.Set(webhook.SignatureHeader, webhook.Sign(secret, ts, body))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(got) != `{"messages":[],"actions":[],"state":"cw=="}` {
		t.Errorf("%d %s", resp.StatusCode, got)
	}
}
