package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/telegram"
)

const webhookSecret = "desk-s3cret_token"

// startWebhook is startWith in webhook mode: the desk serves its webhook
// on 127.0.0.1, on a port of its own, and the fake Telegram posts there.
func (w *world) startWebhook(t *testing.T, cfg Config) *running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	cfg.listener, cfg.Listen = ln, ln.Addr().String()
	cfg.Webhook = "http://" + ln.Addr().String() + "/telegram"
	if cfg.WebhookSecret == "" {
		cfg.WebhookSecret = webhookSecret
	}
	return w.startWith(t, cfg)
}

// webhookSet reports whether the fake Telegram accepted a setWebhook to
// url.
func (w *world) webhookSet(url string) bool {
	for _, c := range w.srv.CallsTo("setWebhook") {
		if c.Params["url"] == url && c.Status == http.StatusOK {
			return true
		}
	}
	return false
}

// tgBot is another client of the desk's bot, for what the operator (or
// another program) does at Telegram.
func (w *world) tgBot(t *testing.T) *telegram.Bot {
	t.Helper()
	b, err := telegram.New(token, telegram.WithAPIURL(w.srv.URL()), telegram.WithPollTimeout(time.Second))
	require.NoError(t, err)
	return b
}

// deskConfig is the configuration startWith gives a desk on w.
func (w *world) deskConfig(cfg Config) Config {
	cfg.Token, cfg.StaffChat, cfg.DB, cfg.PollTimeout, cfg.APIURL = token, staff, w.db, time.Second, w.srv.URL()
	return cfg
}

// runResult runs d until it stops by itself, and returns Run's error.
func runResult(t *testing.T, d *Desk) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(15 * time.Second):
		cancel()
		<-done
		t.Fatal("Run did not stop by itself")
		return nil
	}
}

// A bot that still has a webhook set, in polling mode: Open stops with a
// message that says what to do, and wraps telegram.ErrWebhookActive;
// with ResetWebhook the desk deletes the webhook, polls, and gets the
// message that waited.
func TestStaleWebhookPolling(t *testing.T) {
	w := newWorld(t)
	stale := "https://old.example.com/hook"
	require.NoError(t, w.tgBot(t).SetWebhook(context.Background(), stale, "old"))
	w.lucia.Send(token, "Hola, ¿hay alguien?")

	d, err := Open(context.Background(), w.deskConfig(Config{}))
	require.Error(t, err)
	assert.Nil(t, d)
	require.ErrorIs(t, err, telegram.ErrWebhookActive)
	assert.Contains(t, err.Error(), "the bot has a webhook set ("+stale+"; 1 updates waiting)")
	assert.Contains(t, err.Error(), "run the desk with -reset-webhook to delete the webhook and poll")
	assert.Empty(t, w.srv.CallsTo("getUpdates"), "it does not poll in vain")
	assert.Empty(t, w.srv.CallsTo("deleteWebhook"))

	w.startWith(t, Config{ResetWebhook: true})
	assert.Len(t, w.srv.CallsTo("deleteWebhook"), 1)
	w.wait(t, "the waiting message relayed", func() bool { return strings.Contains(w.staffText(), "Hola, ¿hay alguien?") })
	info, err := w.tgBot(t).WebhookInfo(context.Background())
	require.NoError(t, err)
	assert.Empty(t, info.URL)
	w.marta.Send(token, "Olá")
	w.wait(t, "a new message relayed", func() bool { return strings.Contains(w.staffText(), "Olá") })
}

// A webhook set while the desk polls: Run ends, with the message and the
// typed error, instead of asking again every few seconds; and it ends
// whole (the relay and the engine stop with it).
func TestWebhookSetWhilePolling(t *testing.T) {
	w := newWorld(t)
	d, err := Open(context.Background(), w.deskConfig(Config{}))
	require.NoError(t, err)
	defer d.Close()
	go func() {
		w.srv.WaitUntil(10*time.Second, func() bool { return w.srv.Polling(token) })
		_ = w.tgBot(t).SetWebhook(context.Background(), "https://other.example.com/hook", "")
	}()
	err = runResult(t, d)
	require.ErrorIs(t, err, telegram.ErrWebhookActive)
	assert.ErrorIs(t, err, channel.ErrInvalid)
	assert.Contains(t, err.Error(), "a webhook was set for the bot while the desk polled")
	assert.Contains(t, err.Error(), "-reset-webhook")
	assert.Len(t, w.srv.CallsTo("getUpdates"), 1, "asked once more, not again")
}

// Another process polls the same bot: Telegram ends the desk's request
// with 409, and Run ends with a message that says so; the other keeps
// its requests.
func TestOtherPollerStopsRun(t *testing.T) {
	w := newWorld(t)
	d, err := Open(context.Background(), w.deskConfig(Config{}))
	require.NoError(t, err)
	defer d.Close()
	other := w.tgBot(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	otherDone := make(chan error, 1)
	go func() {
		w.srv.WaitUntil(10*time.Second, func() bool { return w.srv.Polling(token) })
		otherDone <- other.Poll(ctx, telegram.HandlerFunc(func(context.Context, *models.Update) error { return nil }))
	}()
	err = runResult(t, d)
	require.ErrorIs(t, err, telegram.ErrOtherPoller)
	assert.Contains(t, err.Error(), "another process polls the same bot (another desk with this TELEGRAM_TOKEN, or -find-chat?)")
	assert.Contains(t, err.Error(), "stop it, then start the desk again")
	require.True(t, w.srv.WaitUntil(5*time.Second, func() bool { return w.srv.Polling(token) }), "the other polls on")
	select {
	case err := <-otherDone:
		t.Fatalf("the other poller stopped: %v", err)
	case <-time.After(1500 * time.Millisecond): // past one of its long polls
	}
}

// A webhook desk whose webhook Telegram has already (same URL) does not
// set it again, and receives; with ResetWebhook it sets it again (a new
// secret). The webhook refuses a request without the secret.
func TestWebhookAlreadySet(t *testing.T) {
	w := newWorld(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + ln.Addr().String() + "/hook"
	require.NoError(t, w.tgBot(t).SetWebhook(context.Background(), url, webhookSecret))
	w.lucia.Send(token, "Hola")

	r := w.startWith(t, Config{Webhook: url, Listen: ln.Addr().String(), WebhookSecret: webhookSecret, listener: ln})
	w.wait(t, "the message relayed", func() bool { return strings.Contains(w.staffText(), "Hola") })
	assert.Len(t, w.srv.CallsTo("setWebhook"), 1, "only the one before the desk")

	resp, err := http.Post(url, "application/json", strings.NewReader(`{"update_id":999}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "no secret, no update")
	r.stop()
	_, err = http.Post(url, "application/json", strings.NewReader(`{}`))
	assert.Error(t, err, "the stopped desk serves no more")

	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url2 := "http://" + ln2.Addr().String() + "/hook"
	require.NoError(t, w.tgBot(t).SetWebhook(context.Background(), url2, webhookSecret))
	w.startWith(t, Config{Webhook: url2, Listen: ln2.Addr().String(), WebhookSecret: "a-new-secret", ResetWebhook: true, listener: ln2})
	w.wait(t, "the webhook set again", func() bool { return len(w.srv.CallsTo("setWebhook")) == 3 })
	sets := w.srv.CallsTo("setWebhook")
	assert.Equal(t, "a-new-secret", sets[2].Params["secret_token"])
	w.marta.Send(token, "Olá")
	w.wait(t, "a message with the new secret", func() bool { return strings.Contains(w.staffText(), "Olá") })
}

// A webhook Telegram refuses to set stops Run with setWebhook's error.
func TestWebhookRefused(t *testing.T) {
	w := newWorld(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	d, err := Open(context.Background(), w.deskConfig(Config{Webhook: "ftp://example.com/hook", Listen: ln.Addr().String(),
		WebhookSecret: webhookSecret, listener: ln}))
	require.NoError(t, err)
	defer d.Close()
	err = runResult(t, d)
	assert.ErrorContains(t, err, "setWebhook ftp://example.com/hook")
	assert.ErrorIs(t, err, channel.ErrRefused)
}

// The webhook's flags and WEBHOOK_SECRET: what goes together, and what
// Telegram takes as a secret.
func TestConfigureWebhook(t *testing.T) {
	base := map[string]string{"TELEGRAM_TOKEN": "x", "STAFF_CHAT_ID": "-1"}
	env := func(extra map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := extra[k]; ok {
				return v
			}
			return base[k]
		}
	}
	hook := []string{"-webhook", "https://desk.example.com/telegram", "-listen", ":8443"}
	for _, c := range []struct {
		args   []string
		secret string
		want   string
	}{
		{[]string{"-webhook", "https://desk.example.com/telegram"}, "s", "-webhook needs -listen"},
		{[]string{"-listen", ":8443"}, "s", "-listen serves the webhook"},
		{[]string{"-webhook", "desk.example.com", "-listen", ":8443"}, "s", "public https URL"},
		{hook, "", "WEBHOOK_SECRET is required with -webhook"},
		{hook, "with spaces", `WEBHOOK_SECRET has ' '`},
		{hook, strings.Repeat("a", 257), "257 characters long"},
	} {
		_, err := configure(c.args, env(map[string]string{"WEBHOOK_SECRET": c.secret}), io.Discard)
		assert.ErrorContains(t, err, c.want, "%v %q", c.args, c.secret)
	}
	cfg, err := configure(append(hook, "-reset-webhook"), env(map[string]string{"WEBHOOK_SECRET": "Abc_123-x"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "https://desk.example.com/telegram", cfg.Webhook)
	assert.Equal(t, ":8443", cfg.Listen)
	assert.Equal(t, "Abc_123-x", cfg.WebhookSecret)
	assert.True(t, cfg.ResetWebhook)
	cfg, err = configure([]string{"-reset-webhook"}, env(nil), io.Discard)
	require.NoError(t, err)
	assert.True(t, cfg.ResetWebhook)
	assert.Empty(t, cfg.Webhook, "polling is the default")
}

// -h: configure returns flag.ErrHelp, which main turns into exit status 0
// (other errors 2, said on stderr); the help names every flag, with its
// help text, and every environment variable the desk reads, one line each;
// and so does the package comment.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var out bytes.Buffer
		_, err := configure([]string{arg}, func(string) string { return "" }, &out)
		require.ErrorIs(t, err, flag.ErrHelp, arg)
		assert.Equal(t, 0, configureFailed(err, io.Discard), arg)
		assert.Contains(t, out.String(), "Usage: helpdesk", arg)
	}
	var stderr bytes.Buffer
	assert.Equal(t, 2, configureFailed(errors.New("TELEGRAM_TOKEN is required"), &stderr))
	assert.Equal(t, "helpdesk: TELEGRAM_TOKEN is required\n", stderr.String())

	var help bytes.Buffer
	fs := newFlagSet(&help)
	_, err := configureFlags(fs, []string{"-h"}, func(string) string { return "" })
	require.ErrorIs(t, err, flag.ErrHelp)
	lines := strings.Split(help.String(), "\n")
	lineOf := func(name string) string {
		for _, l := range lines {
			if f := strings.Fields(l); len(f) > 0 && f[0] == name {
				return l
			}
		}
		return ""
	}
	doc := packageComment(t)
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		assert.NotEmpty(t, f.Usage, "-%s has no help", f.Name)
		l := lineOf("-" + f.Name)
		assert.NotEmpty(t, l, "-h does not list -%s", f.Name)
		_, usage := flag.UnquoteUsage(f)
		assert.Contains(t, l, usage[:min(len(usage), 20)], "-%s's line has its help", f.Name)
		assert.Contains(t, doc, "\t-"+f.Name+" ", "the package comment does not list -%s", f.Name)
	})
	assert.GreaterOrEqual(t, n, 9)

	// The variables: every one configure reads, with every flag that
	// reads one given.
	read := map[string]bool{}
	getenv := func(k string) string {
		read[k] = true
		return map[string]string{"TELEGRAM_TOKEN": "x", "STAFF_CHAT_ID": "-1", "WEBHOOK_SECRET": "s"}[k]
	}
	_, err = configure([]string{"-webhook", "https://desk.example.com/t", "-listen", ":8443"}, getenv, io.Discard)
	require.NoError(t, err)
	for _, want := range []string{"TELEGRAM_TOKEN", "STAFF_CHAT_ID", "TELEGRAM_API_URL", "HELPDESK_DB", "WEBHOOK_SECRET"} {
		assert.True(t, read[want], "configure reads %s", want)
	}
	for k := range read {
		l := lineOf(k)
		assert.NotEmpty(t, l, "-h does not list %s", k)
		assert.Greater(t, len(strings.Fields(l)), 2, "%s has no help", k)
		assert.Contains(t, doc, "\t"+k+" ", "the package comment does not list %s", k)
	}
}

// packageComment returns the comment before "package main" in main.go.
func packageComment(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	doc, _, found := strings.Cut(string(src), "\npackage main")
	require.True(t, found)
	return doc
}

// A desk serving a webhook that another tool moves stops, says where the
// updates go now, and exits with the status that tells a service manager
// not to start it again; one whose webhook stays keeps serving.
func TestWebhookMovedStopsRun(t *testing.T) {
	w := newWorld(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + ln.Addr().String() + "/telegram"
	d, err := Open(context.Background(), w.deskConfig(Config{Webhook: url, Listen: ln.Addr().String(),
		WebhookSecret: webhookSecret, listener: ln, webhookCheck: 50 * time.Millisecond}))
	require.NoError(t, err)
	defer d.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	w.wait(t, "the webhook set", func() bool { return w.webhookSet(url) })
	w.lucia.Send(token, "Hola")
	w.wait(t, "the message relayed", func() bool { return strings.Contains(w.staffText(), "Hola") })
	select {
	case err := <-done:
		t.Fatalf("Run ended while its webhook stays: %v", err)
	case <-time.After(300 * time.Millisecond): // six checks
	}

	require.NoError(t, w.tgBot(t).SetWebhook(context.Background(), "https://elsewhere.example.com/hook", ""))
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	require.ErrorIs(t, err, ErrWebhookMoved)
	assert.ErrorIs(t, err, channel.ErrInvalid)
	assert.ErrorContains(t, err, `"https://elsewhere.example.com/hook"`)
	assert.ErrorContains(t, err, "-reset-webhook")
	assert.Equal(t, 3, exitStatus(err))
}

// What the operator must mend exits with 3, what may pass with 1.
func TestExitStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{&telegram.FatalError{Method: "getUpdates", Code: 401, Cause: telegram.ErrTokenRefused}, 3},
		{explained("another process polls", &telegram.FatalError{Method: "getUpdates", Code: 409, Cause: telegram.ErrOtherPoller}), 3},
		{fmt.Errorf("stale: %w", telegram.ErrWebhookActive), 3},
		{fmt.Errorf("roster: %w", contactcenter.ErrInvalid), 3},
		{ErrWebhookMoved, 3},
		{fmt.Errorf("disk: %w", channel.ErrUnavailable), 1},
		{errors.New("anything else"), 1},
	} {
		assert.Equal(t, c.want, exitStatus(c.err), "%v", c.err)
	}
	e := explained("another process polls the same bot", &telegram.FatalError{Method: "getUpdates", Code: 409,
		Description: "Conflict: terminated by other getUpdates request", Cause: telegram.ErrOtherPoller})
	assert.Equal(t, "another process polls the same bot (Telegram: getUpdates: 409 Conflict: terminated by other getUpdates request)", e.Error(),
		"Telegram's answer once, without the library's advice")
	assert.ErrorIs(t, e, telegram.ErrOtherPoller)
}

// A running desk logs, once, the id of a group other than the staff group
// that writes to the bot, and ignores its messages.
func TestOtherGroupLoggedOnce(t *testing.T) {
	w := newWorld(t)
	var logs syncBuffer
	w.startWith(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	other := w.srv.Group(-2002, "Friends")
	other.Send(token, w.ana, "hola", 0)
	other.Send(token, w.ana, "otra vez", 0)
	w.lucia.Send(token, "Hola")
	w.wait(t, "the customer's message relayed", func() bool { return strings.Contains(w.staffText(), "Hola") })
	w.wait(t, "the group's messages confirmed", func() bool { return w.srv.Pending(token) == 0 })
	n := 0
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "not the staff group") && strings.Contains(line, "-2002") && strings.Contains(line, "Friends") {
			n++
		}
	}
	assert.Equal(t, 1, n, "logged once:\n%s", logs.String())
	assert.NotContains(t, w.staffText(), "otra vez")
}
