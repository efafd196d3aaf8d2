package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/telegram"
)

// maxSecretLen is the longest secret token Telegram takes.
const maxSecretLen = 256

// configureWebhook reads the webhook's flags and WEBHOOK_SECRET into cfg:
// -webhook needs -listen and the secret; -listen means nothing without
// -webhook.
func configureWebhook(cfg *Config, webhook, listen string, reset bool, getenv func(string) string) error {
	cfg.Webhook, cfg.Listen, cfg.ResetWebhook = webhook, listen, reset
	if webhook == "" {
		if listen != "" {
			return errors.New("-listen serves the webhook: give -webhook URL with it, or neither to poll")
		}
		return nil
	}
	u, err := url.Parse(webhook)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("-webhook %q: give the public https URL Telegram posts the updates to", webhook)
	}
	if listen == "" {
		return errors.New("-webhook needs -listen ADDR, the local address to serve it on (:8443)")
	}
	cfg.WebhookSecret = getenv("WEBHOOK_SECRET")
	if cfg.WebhookSecret == "" {
		return errors.New("WEBHOOK_SECRET is required with -webhook: 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
	}
	if len(cfg.WebhookSecret) > maxSecretLen {
		return fmt.Errorf("WEBHOOK_SECRET is %d characters long: Telegram takes up to %d", len(cfg.WebhookSecret), maxSecretLen)
	}
	for _, c := range cfg.WebhookSecret {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("WEBHOOK_SECRET has %q: Telegram takes only A-Z, a-z, 0-9, _ and -", c)
		}
	}
	return nil
}

// settleWebhook checks, at start, that the way the desk receives agrees
// with the bot's state at Telegram (getWebhookInfo). Polling, a webhook
// set stops the desk, unless ResetWebhook deletes it; with Webhook, it
// notes whether Run must set the webhook (another URL, or ResetWebhook).
func (d *Desk) settleWebhook(ctx context.Context) error {
	info, err := d.bot.WebhookInfo(ctx)
	if err != nil {
		return fmt.Errorf("getWebhookInfo: %w", err)
	}
	if d.cfg.Webhook != "" {
		d.setHook = info.URL != d.cfg.Webhook || d.cfg.ResetWebhook
		if info.URL != "" && info.URL != d.cfg.Webhook {
			d.log.WarnContext(ctx, "the bot's webhook goes elsewhere: the desk sets it to its own", "was", info.URL, "url", d.cfg.Webhook)
		}
		if info.LastError != "" {
			d.log.WarnContext(ctx, "Telegram's last delivery to the webhook failed", "url", info.URL, "error", info.LastError,
				"at", info.LastErrorAt, "pending updates", info.PendingUpdates)
		}
		return nil
	}
	if info.URL == "" {
		return nil
	}
	if !d.cfg.ResetWebhook {
		return fmt.Errorf("the bot has a webhook set (%s; %d updates waiting), and Telegram gives no updates to a desk that polls while it is: "+
			"run the desk with -reset-webhook to delete the webhook and poll (the waiting updates are kept), "+
			"or with -webhook URL -listen ADDR to receive by a webhook: %w", info.URL, info.PendingUpdates, telegram.ErrWebhookActive)
	}
	if err := d.bot.DeleteWebhook(ctx); err != nil {
		return fmt.Errorf("deleteWebhook: %w", err)
	}
	d.log.InfoContext(ctx, "the bot's webhook is deleted: the desk polls", "was", info.URL, "pending updates", info.PendingUpdates)
	return nil
}

// receive hands the bot's updates to h until ctx ends, by long polling or,
// with Webhook, by serving the webhook. A fatal answer of Telegram ends it
// with an error that says what to do.
func (d *Desk) receive(ctx context.Context, h telegram.Handler) error {
	if d.cfg.Webhook != "" {
		return d.serveWebhook(ctx, h)
	}
	err := d.bot.Poll(ctx, h)
	switch {
	case errors.Is(err, telegram.ErrWebhookActive):
		return explained("a webhook was set for the bot while the desk polled, and another program may receive its updates now: "+
			"run the desk with -reset-webhook to delete it and poll, or with -webhook URL -listen ADDR", err)
	case errors.Is(err, telegram.ErrOtherPoller):
		return explained("another process polls the same bot (another desk with this TELEGRAM_TOKEN, or -find-chat?), and Telegram serves one: "+
			"stop it, then start the desk again", err)
	case errors.Is(err, telegram.ErrTokenRefused):
		return explained("the bot's token is refused now (revoked?): set TELEGRAM_TOKEN to the one BotFather gives", err)
	}
	return err
}

// explainedError is a fatal error told in the desk's words, with
// Telegram's answer, and err itself for errors.Is and errors.As.
type explainedError struct {
	msg string
	err error
}

func (e *explainedError) Error() string { return e.msg }
func (e *explainedError) Unwrap() error { return e.err }

// explained returns err told as what, followed by Telegram's own answer
// when err is one (not its advice, which what replaces).
func explained(what string, err error) error {
	var fe *telegram.FatalError
	if errors.As(err, &fe) {
		what += fmt.Sprintf(" (Telegram: %s: %d %s)", fe.Method, fe.Code, fe.Description)
	}
	return &explainedError{msg: what, err: err}
}

// defaultWebhookCheck is how often a desk serving a webhook asks Telegram
// whether the webhook still goes to it.
const defaultWebhookCheck = 5 * time.Minute

// ErrWebhookMoved is returned by Run when the bot's webhook no longer
// goes to the desk that serves it (another desk or tool set its own):
// updates would never come. It wraps channel.ErrInvalid: the operator
// must act.
var ErrWebhookMoved = fmt.Errorf("the bot's webhook goes elsewhere: %w", channel.ErrInvalid)

// shutdownTimeout is how long a stopping desk waits for the webhook's
// requests in flight.
const shutdownTimeout = 10 * time.Second

// serveWebhook serves the webhook on Listen (or the test's listener), at
// any path, and sets it at Telegram if settleWebhook found it must, once
// the server is up; when ctx ends it stops taking requests and waits for
// those in flight. Telegram keeps what the desk has not answered, and
// delivers it once the desk is back.
func (d *Desk) serveWebhook(ctx context.Context, h telegram.Handler) error {
	ln := d.cfg.listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", d.cfg.Listen); err != nil {
			return fmt.Errorf("-listen %s: %w", d.cfg.Listen, err)
		}
	}
	srv := &http.Server{
		Handler:           d.bot.WebhookHandler(d.cfg.WebhookSecret, h),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if d.setHook {
		if err := d.bot.SetWebhook(ctx, d.cfg.Webhook, d.cfg.WebhookSecret); err != nil {
			_ = srv.Close()
			<-served
			return fmt.Errorf("setWebhook %s: %w", d.cfg.Webhook, err)
		}
		d.setHook = false
		d.log.InfoContext(ctx, "the webhook is set", "url", d.cfg.Webhook)
	}
	d.log.InfoContext(ctx, "serving the webhook", "address", ln.Addr().String(), "url", d.cfg.Webhook)
	every := d.cfg.webhookCheck
	if every <= 0 {
		every = defaultWebhookCheck
	}
	check := time.NewTicker(every)
	defer check.Stop()
	var stopped error
	for stopped == nil {
		select {
		case err := <-served:
			return fmt.Errorf("serving the webhook on %s: %w", ln.Addr(), err)
		case <-ctx.Done():
			stopped = ctx.Err()
		case <-check.C:
			// Nothing comes to a webhook that was moved or deleted, and
			// nothing says so but Telegram.
			info, err := d.bot.WebhookInfo(ctx)
			switch {
			case err != nil:
				d.log.WarnContext(ctx, "asking Telegram for the bot's webhook failed; asking again later", "err", err)
			case info.URL != d.cfg.Webhook:
				stopped = fmt.Errorf("%w: Telegram posts the updates to %q, not to this desk's %s (another desk or tool set it, or deleted it): "+
					"stop the other one, then start this desk with -reset-webhook", ErrWebhookMoved, info.URL, d.cfg.Webhook)
			}
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		d.log.WarnContext(ctx, "the webhook's requests in flight did not end in time", "err", err)
		_ = srv.Close()
	}
	<-served
	return stopped
}
