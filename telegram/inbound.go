package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Handler handles one update. It returns nil once the update is stored
// (or deliberately dropped); an error makes Telegram deliver it again.
type Handler interface {
	HandleUpdate(ctx context.Context, u *models.Update) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, u *models.Update) error

// HandleUpdate calls f.
func (f HandlerFunc) HandleUpdate(ctx context.Context, u *models.Update) error { return f(ctx, u) }

// chatOf returns the chat an update belongs to, 0 for updates without one.
func chatOf(u *models.Update) int64 {
	for _, m := range []*models.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
		if m != nil {
			return m.Chat.ID
		}
	}
	return 0
}

// maxBatch is the most updates one getUpdates returns.
const maxBatch = 100

// Poll receives updates by long polling until ctx ends, and hands each to
// h. It owns the offset: an update is confirmed to Telegram, by the offset
// of the next getUpdates, only once h has handled it, so that a process
// stopped at any moment loses nothing (R18); one that h fails is asked for
// again. Updates of one chat are handled in the order Telegram gives them,
// one at a time; the chats of a batch are handled at once.
//
// Failures that may pass (the network, a 5xx, a 429) are logged and
// tried again after a growing pause, up to 5s. An answer that asking
// again cannot change ends Poll with a *FatalError, which wraps
// channel.ErrInvalid: the token refused (ErrTokenRefused), a webhook set
// (ErrWebhookActive), another process polling the same bot
// (ErrOtherPoller), or another 4xx. Otherwise Poll returns ctx's error.
func (b *Bot) Poll(ctx context.Context, h Handler) error {
	var offset, confirmed int64
	var pause time.Duration
	var fatal *FatalError
	// On the way out, confirm what was handled since the last request, so
	// that the next process does not get it again; not after a fatal
	// answer, which the request would get again (and which, for another
	// poller, would end that one's request in turn).
	defer func() {
		if offset > confirmed && fatal == nil {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if _, _, err := b.getUpdates(cctx, offset, 1, 0); err != nil {
				b.log.Warn("telegram: confirming the last updates failed; they come again", "err", err)
			}
		}
	}()
	for {
		if pause > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(pause):
			}
		}
		updates, last, err := b.getUpdates(ctx, offset, maxBatch, b.poll)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.As(err, &fatal):
			return fatal
		case err != nil:
			b.log.WarnContext(ctx, "telegram: getUpdates failed", "err", err)
			pause = min(max(2*pause, 100*time.Millisecond), 5*time.Second)
			continue
		}
		confirmed = offset // this request confirmed everything before it
		next, failed := b.handleBatch(ctx, updates, last, h)
		if failed {
			pause = min(max(2*pause, 100*time.Millisecond), 5*time.Second)
		} else {
			pause = 0
		}
		if next > offset {
			offset = next
		}
	}
}

// handleBatch hands a batch to h, chat by chat, and returns the offset that
// confirms what was handled: past last, the batch's last update id, if all
// were, else at the first that failed (the ones after it come again and
// are stored once).
func (b *Bot) handleBatch(ctx context.Context, updates []*models.Update, last int64, h Handler) (next int64, failed bool) {
	if last == 0 {
		return 0, false
	}
	byChat := make(map[int64][]*models.Update)
	var order []int64
	for _, u := range updates {
		c := chatOf(u)
		if _, ok := byChat[c]; !ok {
			order = append(order, c)
		}
		byChat[c] = append(byChat[c], u)
	}
	var (
		mu        sync.Mutex
		firstFail int64 = -1
		wg        sync.WaitGroup
	)
	for _, c := range order {
		wg.Go(func() {
			for _, u := range byChat[c] {
				if err := h.HandleUpdate(ctx, u); err != nil {
					b.log.WarnContext(ctx, "telegram: handling an update failed; it comes again", "update", u.ID, "err", err)
					mu.Lock()
					if firstFail < 0 || u.ID < firstFail {
						firstFail = u.ID
					}
					mu.Unlock()
					return // the rest of this chat waits, in order
				}
			}
		})
	}
	wg.Wait()
	if firstFail >= 0 {
		return firstFail, true
	}
	return last + 1, false
}

// getUpdates asks for updates from offset, waiting up to timeout. It
// returns the updates it could read and the highest update id of the
// answer, read or not.
func (b *Bot) getUpdates(ctx context.Context, offset int64, limit int, timeout time.Duration) ([]*models.Update, int64, error) {
	body, _ := json.Marshal(map[string]any{"offset": offset, "limit": limit, "timeout": int(timeout / time.Second)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.apiURL+"/bot"+b.token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("getUpdates: %w", errors.New(stripToken(err.Error(), b.token)))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, err
	}
	updates, last, err := decodeUpdates(data, func(id int64, err error) {
		b.log.ErrorContext(ctx, "telegram: an update that cannot be read is skipped", "update", id, "err", err)
	})
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax) && resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
		// Not the Bot API's answer: something else at its address.
		return nil, 0, &FatalError{Method: "getUpdates", Code: resp.StatusCode,
			Description: http.StatusText(resp.StatusCode) + ", and not an answer of the Bot API (is its URL right?)"}
	case err != nil:
		return nil, 0, fmt.Errorf("getUpdates: status %d: %w", resp.StatusCode, err)
	}
	return updates, last, nil
}

// decodeUpdates reads getUpdates' answer. An update that cannot be read
// as models.Update (a field of a type the client does not expect) is
// passed to skipped, with its id, and left out, so that it does not stop
// the updates after it; last is the highest update id of the answer, the
// skipped ones included, for the offset that confirms them.
func decodeUpdates(data []byte, skipped func(id int64, err error)) (updates []*models.Update, last int64, err error) {
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, 0, err
	}
	if !r.OK {
		if err := fatalAnswer("getUpdates", r.ErrorCode, r.Description); err != nil {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	updates = make([]*models.Update, 0, len(r.Result))
	for _, raw := range r.Result {
		u := new(models.Update)
		err := json.Unmarshal(raw, u)
		if err != nil {
			var id struct {
				ID int64 `json:"update_id"`
			}
			if json.Unmarshal(raw, &id) != nil || id.ID == 0 {
				return nil, 0, fmt.Errorf("an update without an update_id: %w", err)
			}
			skipped(id.ID, err)
			last = max(last, id.ID)
			continue
		}
		updates = append(updates, u)
		last = max(last, u.ID)
	}
	return updates, last, nil
}

func stripToken(s, token string) string {
	return string(bytes.ReplaceAll([]byte(s), []byte(token), []byte("***")))
}

// WebhookHandler returns the handler of Telegram's webhook: it checks the
// secret token header (when secret is not empty), decodes the update and
// answers 200 only once h has handled it, so that Telegram delivers again
// whatever was not stored (R18). Updates of one chat are handled one at a
// time.
func (b *Bot) WebhookHandler(secret string, h Handler) http.Handler {
	var locks [64]sync.Mutex
	seed := maphash.MakeSeed()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if secret != "" && subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		var u models.Update
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&u); err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		var key [8]byte
		c := chatOf(&u)
		for i := range key {
			key[i] = byte(c >> (8 * i))
		}
		lock := &locks[maphash.Bytes(seed, key[:])%uint64(len(locks))]
		lock.Lock()
		err := h.HandleUpdate(r.Context(), &u)
		lock.Unlock()
		if err != nil {
			b.log.WarnContext(r.Context(), "telegram: handling a webhook update failed; Telegram delivers it again", "update", u.ID, "err", err)
			http.Error(w, "not stored", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// SetWebhook tells Telegram to deliver updates to url (https) with secret
// in the X-Telegram-Bot-Api-Secret-Token header, which WebhookHandler
// checks: 1 to 256 characters of A-Z, a-z, 0-9, _ and -. The updates that
// wait are delivered there. Setting the URL and secret it has changes
// nothing.
func (b *Bot) SetWebhook(ctx context.Context, url, secret string) error {
	_, err := b.client.SetWebhook(ctx, &bot.SetWebhookParams{URL: url, SecretToken: secret})
	return mapError(err)
}

// DeleteWebhook switches Telegram back to delivery by getUpdates (Poll).
// The updates that wait are kept: Poll gets them.
func (b *Bot) DeleteWebhook(ctx context.Context) error {
	_, err := b.client.DeleteWebhook(ctx, &bot.DeleteWebhookParams{})
	return mapError(err)
}

// WebhookInfo is the bot's webhook as Telegram reports it (getWebhookInfo).
type WebhookInfo struct {
	// URL is where Telegram posts the updates; empty when no webhook is
	// set and the bot is polled (Poll).
	URL string
	// PendingUpdates is how many updates wait to be delivered.
	PendingUpdates int
	// LastError is Telegram's description of its latest failure to
	// deliver to the webhook, and LastErrorAt when it was; empty and zero
	// when none is known.
	LastError   string
	LastErrorAt time.Time
	// LastSyncErrorAt is when Telegram last failed to synchronise with
	// its datacentres (updates may be late); zero when never.
	LastSyncErrorAt time.Time
	// IPAddress is the address Telegram resolved the URL's host to.
	IPAddress string
	// MaxConnections is how many deliveries Telegram makes at once.
	MaxConnections int
	// CustomCertificate reports whether the webhook was set with a
	// self-signed certificate.
	CustomCertificate bool
	// AllowedUpdates lists the update types delivered; empty for all but
	// the ones Telegram leaves out by default.
	AllowedUpdates []string
}

// WebhookInfo asks Telegram for the bot's webhook, to tell whether
// updates go to a webhook or wait for getUpdates, how many wait, and why
// the last deliveries failed.
func (b *Bot) WebhookInfo(ctx context.Context) (WebhookInfo, error) {
	info, err := b.client.GetWebhookInfo(ctx)
	if err != nil {
		return WebhookInfo{}, mapError(err)
	}
	return WebhookInfo{
		URL:               info.URL,
		PendingUpdates:    info.PendingUpdateCount,
		LastError:         info.LastErrorMessage,
		LastErrorAt:       unixTime(info.LastErrorDate),
		LastSyncErrorAt:   unixTime(info.LastSynchronizationErrorDate),
		IPAddress:         info.IPAddress,
		MaxConnections:    info.MaxConnections,
		CustomCertificate: info.HasCustomCertificate,
		AllowedUpdates:    info.AllowedUpdates,
	}, nil
}

// unixTime is the time of a Bot API date, zero for 0.
func unixTime(sec int) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(int64(sec), 0)
}
