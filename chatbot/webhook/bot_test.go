package webhook_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/webhook"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

// R2: a bot written in Go behind Handler gets the turn the engine's Bot
// sent, unchanged, and the engine gets its reply, unchanged: every action
// kind, messages with files, state bytes.
func TestRoundTrip(t *testing.T) {
	var seen chatbot.Turn
	srv := httptest.NewServer(webhook.Handler(secret, chatbot.Func(func(_ context.Context, tr chatbot.Turn) (chatbot.Reply, error) {
		seen = tr
		return fullReply(), nil
	})))
	defer srv.Close()

	bot := &webhook.Bot{URL: srv.URL, Secret: secret}
	got, err := bot.Turn(context.Background(), fullTurn())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(seen, fullTurn()) {
		t.Errorf("the bot saw\n %#v\nwant %#v", seen, fullTurn())
	}
	if !reflect.DeepEqual(got, fullReply()) {
		t.Errorf("reply\n %#v\nwant %#v", got, fullReply())
	}

	// The state a bot returns comes back in the next turn: here, a bot that
	// counts its turns in its state, and an empty reply clears it.
	counter := httptest.NewServer(webhook.Handler(secret, chatbot.Func(func(_ context.Context, tr chatbot.Turn) (chatbot.Reply, error) {
		if len(tr.State) == 3 {
			return chatbot.Reply{}, nil
		}
		return chatbot.Reply{State: append(append(chatbot.State{}, tr.State...), 0xff)}, nil
	})))
	defer counter.Close()
	bot = &webhook.Bot{URL: counter.URL, Secret: secret}
	tr := fullTurn()
	tr.State = nil
	for want := 1; want <= 4; want++ {
		r, err := bot.Turn(context.Background(), tr)
		if err != nil {
			t.Fatal(err)
		}
		if want == 4 {
			if r.State != nil {
				t.Errorf("fourth turn: state %v, want nil", r.State)
			}
			break
		}
		if len(r.State) != want {
			t.Errorf("turn %d: state %v", want, r.State)
		}
		tr.State = r.State
	}
}

// The request is a signed POST of the turn's JSON with the turn's id as
// the idempotency key; the same turn sent twice has the same key and body.
func TestRequest(t *testing.T) {
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(body))
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		if key := r.Header.Get(webhook.IdempotencyHeader); key != "turn-7" {
			t.Errorf("Idempotency-Key %q", key)
		}
		ts := r.Header.Get(webhook.TimestampHeader)
		if err := webhook.Verify(secret, ts, r.Header.Get(webhook.SignatureHeader), body, time.Now(), 2*time.Second); err != nil {
			t.Errorf("request signature: %v", err)
		}
		if tr, err := webhook.DecodeTurn(body); err != nil || !reflect.DeepEqual(tr, fullTurn()) {
			t.Errorf("request body %s: %v", body, err)
		}
		signed(w, http.StatusOK, 0, `{"messages":[{"text":"ok"}]}`)
	}))
	defer srv.Close()
	bot := &webhook.Bot{URL: srv.URL, Secret: secret}
	for range 2 {
		r, err := bot.Turn(context.Background(), fullTurn())
		if err != nil || len(r.Messages) != 1 || r.Messages[0].Text != "ok" {
			t.Fatalf("Turn = %#v, %v", r, err)
		}
	}
	if len(bodies) != 2 || bodies[0] != bodies[1] {
		t.Errorf("the same turn sent as %q", bodies)
	}
}

// signed writes body with status, signed with secret at now+skew.
func signed(w http.ResponseWriter, status int, skew time.Duration, body string) {
	ts := webhook.Timestamp(time.Now().Add(skew))
	w.Header().Set(webhook.TimestampHeader, ts)
	w.Header().Set(webhook.SignatureHeader, webhook.Sign(secret, ts, []byte(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// A bot written in any language answers with hand-written HTTP. Every
// answer that is not a signed, fresh, small, well-formed reply is a failed
// turn, with an error that says which.
func TestBadAnswers(t *testing.T) {
	const reply = `{"messages":[{"text":"hi"}],"actions":[{"type":"tag","tag":"x"}]}`
	type check func(t *testing.T, err error)
	is := func(target error) check {
		return func(t *testing.T, err error) {
			if !errors.Is(err, target) {
				t.Errorf("err = %v, want %v", err, target)
			}
		}
	}
	status := func(code int, body string) check {
		return func(t *testing.T, err error) {
			var se *webhook.StatusError
			if !errors.As(err, &se) || se.StatusCode != code || !strings.Contains(se.Body, body) {
				t.Errorf("err = %#v, want a StatusError %d with body %q", err, code, body)
			}
		}
	}
	for _, c := range []struct {
		name    string
		max     int64
		handler http.HandlerFunc
		check   check
		says    string
	}{
		{"unsigned", 0, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, reply) },
			is(webhook.ErrSignature), "no X-Contactcenter-Timestamp header"},
		{"signed with another secret", 0, func(w http.ResponseWriter, _ *http.Request) {
			ts := webhook.Timestamp(time.Now())
			w.Header().Set(webhook.TimestampHeader, ts)
			w.Header().Set(webhook.SignatureHeader, webhook.Sign([]byte("another secret"), ts, []byte(reply)))
			_, _ = io.WriteString(w, reply)
		}, is(webhook.ErrSignature), "does not match"},
		{"signature of another body", 0, func(w http.ResponseWriter, _ *http.Request) {
			ts := webhook.Timestamp(time.Now())
			w.Header().Set(webhook.TimestampHeader, ts)
			w.Header().Set(webhook.SignatureHeader, webhook.Sign(secret, ts, []byte(`{}`)))
			_, _ = io.WriteString(w, reply)
		}, is(webhook.ErrSignature), "does not match"},
		{"the request's signature echoed", 0, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(webhook.TimestampHeader, r.Header.Get(webhook.TimestampHeader))
			w.Header().Set(webhook.SignatureHeader, r.Header.Get(webhook.SignatureHeader))
			_, _ = io.WriteString(w, reply)
		}, is(webhook.ErrSignature), "does not match"},
		{"stale", 0, func(w http.ResponseWriter, _ *http.Request) { signed(w, 200, -6*time.Minute, reply) },
			is(webhook.ErrStale), "more than 5m0s"},
		{"from the future", 0, func(w http.ResponseWriter, _ *http.Request) { signed(w, 200, 6*time.Minute, reply) },
			is(webhook.ErrStale), "more than 5m0s"},
		{"500", 0, func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "database down", 500) },
			status(500, "database down"), "webhook: bot answered 500 Internal Server Error: database down"},
		{"503 signed", 0, func(w http.ResponseWriter, _ *http.Request) { signed(w, 503, 0, reply) },
			status(503, reply), "503 Service Unavailable"},
		{"404 without a body", 0, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404) },
			status(404, ""), "webhook: bot answered 404 Not Found"},
		{"redirect not followed", 0, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/bot", http.StatusTemporaryRedirect)
		}, status(307, ""), "307 Temporary Redirect"},
		{"malformed JSON", 0, func(w http.ResponseWriter, _ *http.Request) { signed(w, 200, 0, `{"messages":[{"text":"hi"}`) },
			is(chatbot.ErrInvalid), "malformed JSON"},
		{"empty body", 0, func(w http.ResponseWriter, _ *http.Request) { signed(w, 200, 0, ``) },
			is(chatbot.ErrInvalid), "empty body"},
		{"unknown action", 0, func(w http.ResponseWriter, _ *http.Request) {
			signed(w, 200, 0, `{"actions":[{"type":"tag","tag":"x"},{"type":"escalate","level":3}]}`)
		}, is(chatbot.ErrInvalid), `actions[1]: unknown action type "escalate"`},
		{"wrong field type", 0, func(w http.ResponseWriter, _ *http.Request) {
			signed(w, 200, 0, `{"actions":[{"type":"hand_off","team":["billing"]}]}`)
		}, is(chatbot.ErrInvalid), `field "team" is a JSON array, want a string`},
		{"oversized, with a length", 64, func(w http.ResponseWriter, _ *http.Request) {
			signed(w, 200, 0, `{"messages":[{"text":"`+strings.Repeat("a", 100)+`"}]}`)
		}, is(webhook.ErrTooLarge), "reply of 126 bytes, more than 64"},
		{"oversized, streamed", 64, func(w http.ResponseWriter, _ *http.Request) {
			body := `{"messages":[{"text":"` + strings.Repeat("a", 100) + `"}]}`
			ts := webhook.Timestamp(time.Now())
			w.Header().Set(webhook.TimestampHeader, ts)
			w.Header().Set(webhook.SignatureHeader, webhook.Sign(secret, ts, []byte(body)))
			for i := 0; i < len(body); i += 10 {
				_, _ = io.WriteString(w, body[i:min(i+10, len(body))])
				w.(http.Flusher).Flush()
			}
		}, is(webhook.ErrTooLarge), "reply of more than 64 bytes"},
		{"over the default limit", 0, func(w http.ResponseWriter, _ *http.Request) {
			signed(w, 200, 0, `{"messages":[{"text":"`+strings.Repeat("a", webhook.DefaultMaxResponseBytes)+`"}]}`)
		}, is(webhook.ErrTooLarge), "more than 1048576"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			bot := &webhook.Bot{URL: srv.URL, Secret: secret, MaxResponseBytes: c.max}
			r, err := bot.Turn(context.Background(), fullTurn())
			if !reflect.DeepEqual(r, chatbot.Reply{}) {
				t.Errorf("a failed turn returned a reply: %#v", r)
			}
			c.check(t, err)
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Errorf("err %q does not say %q", err, c.says)
			}
		})
	}
}

// A reply exactly at the limit is read; and the limit does not count
// headers.
func TestReplyAtTheLimit(t *testing.T) {
	body := `{"messages":[{"text":"` + strings.Repeat("a", 100) + `"}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { signed(w, 200, 0, body) }))
	defer srv.Close()
	bot := &webhook.Bot{URL: srv.URL, Secret: secret, MaxResponseBytes: int64(len(body))}
	r, err := bot.Turn(context.Background(), fullTurn())
	if err != nil || len(r.Messages) != 1 || len(r.Messages[0].Text) != 100 {
		t.Errorf("Turn = %#v, %v", r, err)
	}
}

// A bot that does not answer within the turn timeout, which the engine's
// context carries, fails the turn with the context's error, at the
// deadline.
func TestTurnTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	bot := &webhook.Bot{URL: srv.URL, Secret: secret}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := bot.Turn(ctx, fullTurn())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the turn took %s past a 100ms deadline", d)
	}

	// A deadline that falls while the reply's body is being read fails the
	// turn too.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(webhook.TimestampHeader, webhook.Timestamp(time.Now()))
		w.Header().Set(webhook.SignatureHeader, "sha256="+strings.Repeat("0", 64))
		_, _ = io.WriteString(w, `{"messages":[`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer slow.Close()
	bot = &webhook.Bot{URL: slow.URL, Secret: secret}
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := bot.Turn(ctx, fullTurn()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
}

// A Bot's settings are checked before anything is sent: https, or http
// to this machine only, and a secret.
func TestBotSettings(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { calls.Add(1) }))
	defer srv.Close()
	for _, c := range []struct {
		bot  webhook.Bot
		says string
	}{
		{webhook.Bot{Secret: secret}, "bot without a URL"},
		{webhook.Bot{URL: "/bot", Secret: secret}, "not an absolute http or https URL"},
		{webhook.Bot{URL: "ftp://bot.example/", Secret: secret}, "not an absolute http or https URL"},
		{webhook.Bot{URL: "https://user:hunter2@bot.example/%zz", Secret: secret}, "not an absolute http or https URL"},
		{webhook.Bot{URL: "http://bot.example/turns", Secret: secret}, "use https, or set AllowHTTP"},
		{webhook.Bot{URL: "http://10.0.0.8/turns", Secret: secret}, "use https, or set AllowHTTP"},
		{webhook.Bot{URL: srv.URL}, "bot without a secret"},
		{webhook.Bot{URL: srv.URL, Secret: secret, MaxResponseBytes: -1}, "negative"},
		{webhook.Bot{URL: srv.URL, Secret: secret, Tolerance: -time.Second}, "negative"},
	} {
		err := c.bot.Validate()
		if !errors.Is(err, chatbot.ErrInvalid) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%+v: Validate = %v, want chatbot.ErrInvalid saying %q", c.bot, err, c.says)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error shows the URL's password: %v", err)
		}
		if _, err := c.bot.Turn(context.Background(), fullTurn()); !errors.Is(err, chatbot.ErrInvalid) {
			t.Errorf("%+v: Turn = %v, want chatbot.ErrInvalid", c.bot, err)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d requests sent with invalid settings", n)
	}
	for _, b := range []webhook.Bot{
		{URL: "https://bot.example/turns", Secret: secret},
		{URL: "http://localhost:8080/turns", Secret: secret},
		{URL: "http://[::1]:8080/turns", Secret: secret},
		{URL: "http://127.0.0.2/turns", Secret: secret},
		{URL: "http://bot.internal/turns", Secret: secret, AllowHTTP: true},
	} {
		if err := b.Validate(); err != nil {
			t.Errorf("%s: %v", b.URL, err)
		}
	}
	tr := fullTurn()
	tr.Kind = 0
	b := webhook.Bot{URL: srv.URL, Secret: secret}
	if _, err := b.Turn(context.Background(), tr); !errors.Is(err, chatbot.ErrInvalid) || calls.Load() != 0 {
		t.Errorf("a turn without a kind: %v, %d requests", err, calls.Load())
	}
}

// Over HTTPS with the host's client, as in production.
func TestHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(webhook.Handler(secret, chatbot.Func(func(_ context.Context, tr chatbot.Turn) (chatbot.Reply, error) {
		return chatbot.Reply{Messages: []chatbot.Message{{Text: "hola " + tr.Contact.Name}}}, nil
	})))
	defer srv.Close()
	bot := &webhook.Bot{URL: srv.URL, Secret: secret, Client: srv.Client()}
	r, err := bot.Turn(context.Background(), fullTurn())
	if err != nil || len(r.Messages) != 1 || r.Messages[0].Text != "hola Ana <Pérez>" {
		t.Errorf("Turn = %#v, %v", r, err)
	}
}
