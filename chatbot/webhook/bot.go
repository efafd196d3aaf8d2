package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/telenet/contactcenter/chatbot"
)

// Limits and defaults of a Bot.
const (
	// DefaultMaxResponseBytes is the largest reply body a Bot reads when
	// MaxResponseBytes is zero: room for chatbot.MaxReplyMessages texts
	// of a usual size, the actions and a full state.
	DefaultMaxResponseBytes = 1 << 20
	// DefaultTimeout bounds a whole request of the default client,
	// response body included. The engine's context carries the channel's
	// turn timeout (channel.Bot), which is usually shorter.
	DefaultTimeout = 30 * time.Second
)

// defaultClient does not follow redirects: a signed turn goes to the
// configured URL only, and a 3xx is a *StatusError.
var defaultClient = &http.Client{
	Timeout:       DefaultTimeout,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Bot is a chatbot reached over HTTP(S): a chatbot.Bot that POSTs each
// turn, as the JSON of EncodeTurn, to URL, and takes the signed JSON reply
// of the response (docs/webhook.md). The bot may be written in any
// language; Handler is its side for a bot written in Go.
//
// The request carries TimestampHeader, SignatureHeader (Sign over the
// timestamp and body with Secret) and IdempotencyHeader (the turn's id).
// The response must be a 2xx with a JSON reply signed the same way, with
// the same secret, over its own timestamp and body.
//
// A Bot's fields are read-only once it is in use; it is safe for
// concurrent turns.
type Bot struct {
	// URL is where turns are POSTed: an https URL, or an http URL to a
	// loopback host (localhost, 127.0.0.0/8, ::1) unless AllowHTTP.
	URL string
	// Secret is the key shared with the bot, for both directions. Use at
	// least 32 random bytes.
	Secret []byte
	// Client sends the requests; nil is a client with DefaultTimeout that
	// follows no redirect. The context given to Turn bounds each request
	// as well.
	Client *http.Client
	// MaxResponseBytes bounds the reply's body; zero is
	// DefaultMaxResponseBytes. A longer body is ErrTooLarge.
	MaxResponseBytes int64
	// Tolerance is how far the response's timestamp may be from the
	// clock; zero is DefaultTolerance. Further is ErrStale.
	Tolerance time.Duration
	// AllowHTTP permits an http URL to a host that is not loopback. The
	// signature still authenticates both messages, but the contact's
	// messages then cross the network in clear.
	AllowHTTP bool
}

// Validate checks b's settings: an absolute http or https URL, https or a
// loopback host unless AllowHTTP, a secret, limits that are not negative.
// An error wraps chatbot.ErrInvalid. Turn checks the same before it sends.
func (b *Bot) Validate() error {
	if b.URL == "" {
		return invalid("bot without a URL")
	}
	u, err := url.Parse(b.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return invalid("bot URL %q is not an absolute http or https URL", redact(b.URL))
	}
	if u.Scheme == "http" && !b.AllowHTTP && !loopback(u.Hostname()) {
		return invalid("bot URL %q is http to a host that is not loopback: use https, or set AllowHTTP", u.Redacted())
	}
	if len(b.Secret) == 0 {
		return invalid("bot without a secret")
	}
	if b.MaxResponseBytes < 0 || b.Tolerance < 0 {
		return invalid("negative MaxResponseBytes or Tolerance")
	}
	return nil
}

// Turn sends t to the bot and returns its reply. It returns an error
//
//   - wrapping chatbot.ErrInvalid for settings Validate refuses, a turn
//     EncodeTurn cannot encode, or a reply DecodeReply refuses;
//   - that is a *StatusError for a status other than 2xx;
//   - wrapping ErrTooLarge for a reply longer than MaxResponseBytes;
//   - wrapping ErrSignature for a reply without a valid signature, and
//     ErrStale for one signed outside Tolerance;
//   - wrapping ctx's error (context.DeadlineExceeded for the turn
//     timeout) or the client's for a request that did not complete.
//
// The reply is not validated: the engine does that (chatbot.Reply.Validate).
func (b *Bot) Turn(ctx context.Context, t chatbot.Turn) (chatbot.Reply, error) {
	if err := b.Validate(); err != nil {
		return chatbot.Reply{}, err
	}
	body, err := EncodeTurn(t)
	if err != nil {
		return chatbot.Reply{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.URL, bytes.NewReader(body))
	if err != nil {
		return chatbot.Reply{}, fmt.Errorf("webhook: %w", err)
	}
	ts := Timestamp(time.Now())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "contactcenter-webhook/1")
	req.Header.Set(TimestampHeader, ts)
	req.Header.Set(SignatureHeader, Sign(b.Secret, ts, body))
	req.Header.Set(IdempotencyHeader, string(t.ID))

	client := b.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return chatbot.Reply{}, fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return chatbot.Reply{}, &StatusError{StatusCode: resp.StatusCode, Body: strings.ToValidUTF8(string(snippet), "\uFFFD")}
	}
	limit := b.MaxResponseBytes
	if limit == 0 {
		limit = DefaultMaxResponseBytes
	}
	if resp.ContentLength > limit {
		return chatbot.Reply{}, fmt.Errorf("webhook: %w: reply of %d bytes, more than %d", ErrTooLarge, resp.ContentLength, limit)
	}
	reply, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return chatbot.Reply{}, fmt.Errorf("webhook: reading the reply: %w", err)
	}
	if int64(len(reply)) > limit {
		return chatbot.Reply{}, fmt.Errorf("webhook: %w: reply of more than %d bytes", ErrTooLarge, limit)
	}
	if err := Verify(b.Secret, resp.Header.Get(TimestampHeader), resp.Header.Get(SignatureHeader), reply, time.Now(), b.Tolerance); err != nil {
		return chatbot.Reply{}, err
	}
	return DecodeReply(reply)
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redact hides a password in a URL that may not parse.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		return "…" + raw[at:]
	}
	return raw
}
