package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/telenet/contactcenter/channel"
)

// DefaultAPIURL is the Bot API's address.
const DefaultAPIURL = "https://api.telegram.org"

// Telegram's limits on content.
const (
	// MaxTextLen is the longest message text, in characters.
	MaxTextLen = 4096
	// MaxFileSize is the largest file a bot can send by URL or file id.
	MaxFileSize = 50 << 20
)

// Bot is one Telegram bot account. It is safe for concurrent use.
type Bot struct {
	client *bot.Bot
	token  string
	apiURL string
	http   *http.Client
	limits channel.Limits
	log    *slog.Logger
	poll   time.Duration

	mu sync.Mutex
	me *models.User
}

var (
	_ channel.Transport      = (*Bot)(nil)
	_ channel.AccountChecker = (*Bot)(nil)
	_ channel.GroupChecker   = (*Bot)(nil)
)

// Option configures a Bot.
type Option func(*Bot)

// WithAPIURL sets the Bot API's base URL (a local Bot API server, or a fake
// in tests). Default DefaultAPIURL.
func WithAPIURL(url string) Option { return func(b *Bot) { b.apiURL = strings.TrimRight(url, "/") } }

// WithHTTPClient sets the HTTP client for every call. Its timeout must
// exceed the long-polling timeout.
func WithHTTPClient(c *http.Client) Option { return func(b *Bot) { b.http = c } }

// WithLimits sets the send rates the engine keeps to. Default
// channel.TelegramLimits.
func WithLimits(l channel.Limits) Option { return func(b *Bot) { b.limits = l } }

// WithLogger sets the logger. Default: discarded.
func WithLogger(l *slog.Logger) Option { return func(b *Bot) { b.log = l } }

// WithPollTimeout sets how long one long-polling request waits for updates.
// Default 30s.
func WithPollTimeout(d time.Duration) Option { return func(b *Bot) { b.poll = d } }

// New returns the bot with token. It makes no call: CheckAccount (run when
// the engine configures a channel) tells whether the token works.
func New(token string, opts ...Option) (*Bot, error) {
	if strings.TrimSpace(token) == "" {
		return nil, fmt.Errorf("telegram: %w: empty token", channel.ErrInvalid)
	}
	b := &Bot{token: token, apiURL: DefaultAPIURL, limits: channel.TelegramLimits, log: discard(), poll: 30 * time.Second}
	for _, o := range opts {
		o(b)
	}
	if b.http == nil {
		b.http = &http.Client{Timeout: b.poll + 15*time.Second}
	}
	client, err := bot.New(token, bot.WithSkipGetMe(), bot.WithServerURL(b.apiURL), bot.WithHTTPClient(b.poll, b.http),
		bot.WithErrorsHandler(func(err error) { b.log.Warn("telegram client", "err", err) }))
	if err != nil {
		return nil, fmt.Errorf("telegram: %w: %v", channel.ErrInvalid, err)
	}
	b.client = client
	return b, nil
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Client returns the go-telegram/bot client, for calls the channel does not
// make (the help desk's copies into its staff group).
func (b *Bot) Client() *bot.Bot { return b.client }

// Capabilities returns what Telegram carries.
func (b *Bot) Capabilities() channel.Capabilities {
	return channel.Capabilities{Text: true, Voice: true, Files: true, Edit: true,
		MaxTextLen: MaxTextLen, MaxFileSize: MaxFileSize, Limits: b.limits}
}

// Me returns the bot's own user, from getMe (called once).
func (b *Bot) Me(ctx context.Context) (*models.User, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.me != nil {
		return b.me, nil
	}
	me, err := b.client.GetMe(ctx)
	if err != nil {
		return nil, mapError(err)
	}
	b.me = me
	return me, nil
}

// CheckAccount checks that the token works and that the bot is the account
// named: its username, with or without "@", in any case (R1).
func (b *Bot) CheckAccount(ctx context.Context, account string) error {
	me, err := b.Me(ctx)
	if err != nil {
		return fmt.Errorf("telegram: getMe: %w: %w", channel.ErrInvalid, err)
	}
	if !strings.EqualFold(strings.TrimPrefix(account, "@"), me.Username) {
		return fmt.Errorf("telegram: %w: the token belongs to @%s, not %s", channel.ErrInvalid, me.Username, account)
	}
	return nil
}

// IsGroup reports whether the chat to is a group: Telegram gives groups
// negative ids.
func (b *Bot) IsGroup(to string) bool { return strings.HasPrefix(to, "-") }

// Send sends m: a text with sendMessage, a voice note with sendVoice, any
// other file with sendDocument, its text as the caption. File.Ref is a
// Telegram file id or an HTTP URL.
func (b *Bot) Send(ctx context.Context, m channel.Outgoing) (channel.Receipt, error) {
	chat, err := chatID(m.To)
	if err != nil {
		return channel.Receipt{}, err
	}
	var sent *models.Message
	switch {
	case m.File == nil:
		sent, err = b.client.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: m.Text})
	case m.File.Voice:
		sent, err = b.client.SendVoice(ctx, &bot.SendVoiceParams{ChatID: chat, Voice: &models.InputFileString{Data: m.File.Ref},
			Duration: int(m.File.Duration / time.Second), Caption: m.Text})
	default:
		sent, err = b.client.SendDocument(ctx, &bot.SendDocumentParams{ChatID: chat, Document: &models.InputFileString{Data: m.File.Ref},
			Caption: m.Text})
	}
	if err != nil {
		return channel.Receipt{}, mapError(err)
	}
	return channel.Receipt{Ref: strconv.Itoa(sent.ID)}, nil
}

// Edit replaces the text of a message the bot sent (R8).
func (b *Bot) Edit(ctx context.Context, e channel.Edit) error {
	chat, err := chatID(e.To)
	if err != nil {
		return err
	}
	id, err := strconv.Atoi(e.Ref)
	if err != nil {
		return fmt.Errorf("telegram: %w: message reference %q", channel.ErrRefused, e.Ref)
	}
	_, err = b.client.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chat, MessageID: id, Text: e.Text})
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return nil // the channel already shows this text
	}
	return mapError(err)
}

func chatID(to string) (int64, error) {
	id, err := strconv.ParseInt(to, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("telegram: %w: chat id %q", channel.ErrRefused, to)
	}
	return id, nil
}

// mapError maps the Bot API's answers onto the channel package's errors: a
// 429 to a RetryAfterError, a user who blocked the bot to ErrBlocked, other
// 400s and 403s to ErrRefused, anything else (the network, 5xx, a revoked
// token) to ErrUnavailable, to be tried again.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var tooMany *bot.TooManyRequestsError
	switch {
	case errors.As(err, &tooMany):
		return &channel.RetryAfterError{After: time.Duration(max(tooMany.RetryAfter, 1)) * time.Second}
	case errors.Is(err, bot.ErrorForbidden):
		return fmt.Errorf("telegram: %v: %w", err, channel.ErrBlocked)
	case errors.Is(err, bot.ErrorBadRequest):
		return fmt.Errorf("telegram: %v: %w", err, channel.ErrRefused)
	}
	return fmt.Errorf("telegram: %w: %w", channel.ErrUnavailable, err)
}
