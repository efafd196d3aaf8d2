package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/go-telegram/bot/models"
)

// botState is everything the server keeps about one bot. Guarded by
// Server.mu.
type botState struct {
	token string
	user  models.User

	lastUpdateID int64                     // last update_id issued
	queue        []*queued                 // pending (unconfirmed) updates, in delivery order
	history      map[int64]json.RawMessage // every update issued, for Redeliver
	confirmed    int64
	changed      chan struct{} // closed and replaced when queue or mode changes
	pollGen      uint64        // incremented by each getUpdates
	polling      int           // getUpdates requests currently waiting

	webhook        *webhook
	webhookErr     string
	webhookErrDate int

	blocked   map[int64]bool
	sends     []time.Time           // accepted sends, for Limits.PerSecond
	chatSends map[int64][]time.Time // accepted sends per chat
}

// queued is one pending update.
type queued struct {
	id         int64
	data       json.RawMessage
	redelivery bool // enqueued by Redeliver
	delivered  bool // returned by getUpdates at least once
}

// webhook is an active webhook of a bot.
type webhook struct {
	url, secret string
	ctx         context.Context
	cancel      context.CancelFunc
}

// broadcastLocked wakes whoever waits on the bot's queue. Caller holds s.mu.
func (b *botState) broadcastLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// enqueueLocked gives u the next update_id of bot b and queues it. Caller
// holds s.mu.
func (s *Server) enqueueLocked(b *botState, u models.Update) int64 {
	b.lastUpdateID++
	u.ID = b.lastUpdateID
	data, err := json.Marshal(u)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: marshal update: %v", err))
	}
	b.history[u.ID] = data
	b.queue = append(b.queue, &queued{id: u.ID, data: data})
	b.broadcastLocked()
	s.notifyLocked()
	return u.ID
}

// Redeliver enqueues again, with the same update_id, an update of bot token
// that was already delivered or is still pending, so that the bot receives
// it twice. It panics for an unknown token or update id.
func (s *Server) Redeliver(token string, updateID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.botLocked(token)
	data, ok := b.history[updateID]
	if !ok {
		panic(fmt.Sprintf("telegramtest: bot %q has no update %d", token, updateID))
	}
	b.queue = append(b.queue, &queued{id: updateID, data: data, redelivery: true})
	b.broadcastLocked()
	s.notifyLocked()
}

// Pending returns how many updates of bot token are not confirmed yet
// (including delivered but unconfirmed ones). It returns 0 for an unknown
// token.
func (s *Server) Pending(token string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.bots[token]; b != nil {
		return len(b.queue)
	}
	return 0
}

// Confirmed returns the highest update_id of bot token confirmed so far:
// by a getUpdates offset (offset-1, capped to the last update issued) or by
// a 2xx answer of its webhook. Updates dropped with drop_pending_updates
// are not confirmed. It returns 0 for an unknown token.
func (s *Server) Confirmed(token string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.bots[token]; b != nil {
		return b.confirmed
	}
	return 0
}

// Polling reports whether a getUpdates request of bot token is currently
// waiting for updates (long polling).
func (s *Server) Polling(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.bots[token]; b != nil {
		return b.polling > 0
	}
	return false
}

// applyOffsetLocked confirms and forgets updates according to a getUpdates
// offset. Caller holds s.mu.
func (s *Server) applyOffsetLocked(b *botState, offset int64) {
	switch {
	case offset > 0:
		// A redelivered update may have an id below the offset; it is only
		// dropped once it has been delivered.
		drop := func(q *queued) bool { return q.id < offset && (!q.redelivery || q.delivered) }
		// Updates are queued in id order, but for redeliveries, queued at
		// the end: without any, confirming is cutting a prefix.
		i := 0
		for i < len(b.queue) && drop(b.queue[i]) {
			i++
		}
		keep := b.queue[i:]
		if slices.ContainsFunc(keep, func(q *queued) bool { return q.redelivery }) {
			keep = slices.DeleteFunc(slices.Clone(keep), drop)
		}
		upTo := min(offset-1, b.lastUpdateID)
		if len(keep) == len(b.queue) && upTo <= b.confirmed {
			return
		}
		b.queue = keep
		b.confirmed = max(b.confirmed, upTo)
	case offset < 0:
		n := int(min(-offset, int64(len(b.queue))))
		drop := b.queue[:len(b.queue)-n]
		if len(drop) == 0 {
			return
		}
		for _, q := range drop {
			b.confirmed = max(b.confirmed, q.id)
		}
		b.queue = append([]*queued(nil), b.queue[len(b.queue)-n:]...)
	default:
		return
	}
	s.notifyLocked()
}

// takeLocked returns up to limit pending updates in queue order, stopping
// before an update whose id is lower than the previous one (see the package
// documentation on Redeliver). Caller holds s.mu.
func (b *botState) takeLocked(limit int) []json.RawMessage {
	var out []json.RawMessage
	var last int64
	for _, q := range b.queue {
		if len(out) == limit || (len(out) > 0 && q.id < last) {
			break
		}
		q.delivered = true
		out = append(out, q.data)
		last = q.id
	}
	return out
}

// updatesJSON renders updates as a JSON array.
func updatesJSON(batch []json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, u := range batch {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(u)
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

// maxPollTimeout caps the getUpdates timeout, in seconds.
const maxPollTimeout = 3600

// getUpdates implements getUpdates. Unlike other methods it runs without
// s.mu held, since it may wait.
func (s *Server) getUpdates(r *request) (result, *apiError) {
	offset, err := r.integer("offset")
	if err != nil {
		return result{}, err
	}
	limit, err := r.integer("limit")
	if err != nil {
		return result{}, err
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, err := r.integer("timeout")
	if err != nil {
		return result{}, err
	}
	timeout = min(timeout, maxPollTimeout)
	var timeoutC <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(time.Duration(timeout) * time.Second)
		defer timer.Stop()
		timeoutC = timer.C
	}

	b := r.bot
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.webhook != nil {
		return result{}, errWebhookSet
	}
	b.pollGen++
	gen := b.pollGen
	b.broadcastLocked() // terminates a waiting getUpdates
	s.applyOffsetLocked(b, offset)

	waiting := false
	defer func() {
		if waiting {
			b.polling--
			s.notifyLocked()
		}
	}()
	for {
		if b.webhook != nil {
			return result{}, errWebhookSet
		}
		if b.pollGen != gen {
			return result{}, errTerminated
		}
		batch := b.takeLocked(int(limit))
		if len(batch) > 0 || timeoutC == nil || s.closed || r.ctx.Err() != nil {
			return result{value: updatesJSON(batch)}, nil
		}
		ch := b.changed
		if !waiting {
			waiting = true
			b.polling++
			s.notifyLocked()
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timeoutC:
			timeoutC = nil // take what there is, then answer
		case <-r.ctx.Done():
		case <-s.done:
		}
		s.mu.Lock()
	}
}

// setWebhook implements setWebhook; an empty url removes the webhook.
func (s *Server) setWebhook(r *request) (result, *apiError) {
	b := r.bot
	drop, err := r.boolean("drop_pending_updates")
	if err != nil {
		return result{}, err
	}
	rawURL := r.str("url")
	if rawURL == "" {
		return s.removeWebhookLocked(b, drop), nil
	}
	u, perr := url.Parse(rawURL)
	if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return result{}, badRequest("bad webhook: invalid webhook URL specified")
	}
	secret := r.str("secret_token")
	if len(secret) > 256 {
		return result{}, badRequest("secret token is too long")
	}
	for _, c := range secret {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return result{}, badRequest("secret token contains unallowed characters")
		}
	}
	if drop {
		s.dropPendingLocked(b)
	}
	if wh := b.webhook; wh != nil && wh.url == rawURL && wh.secret == secret {
		return result{value: true, description: "Webhook is already set"}, nil
	}
	if b.webhook != nil {
		b.webhook.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	wh := &webhook{url: rawURL, secret: secret, ctx: ctx, cancel: cancel}
	b.webhook = wh
	b.webhookErr, b.webhookErrDate = "", 0
	if s.closed {
		cancel()
	} else {
		s.wg.Add(1)
		go s.runWebhook(b, wh)
	}
	b.broadcastLocked() // waiting getUpdates answer 409
	s.notifyLocked()
	return result{value: true, description: "Webhook was set"}, nil
}

// deleteWebhook implements deleteWebhook.
func (s *Server) deleteWebhook(r *request) (result, *apiError) {
	drop, err := r.boolean("drop_pending_updates")
	if err != nil {
		return result{}, err
	}
	return s.removeWebhookLocked(r.bot, drop), nil
}

func (s *Server) removeWebhookLocked(b *botState, drop bool) result {
	if drop {
		s.dropPendingLocked(b)
	}
	if b.webhook == nil {
		return result{value: true, description: "Webhook is already deleted"}
	}
	b.webhook.cancel()
	b.webhook = nil
	b.broadcastLocked()
	s.notifyLocked()
	return result{value: true, description: "Webhook was deleted"}
}

func (s *Server) dropPendingLocked(b *botState) {
	if len(b.queue) == 0 {
		return
	}
	b.queue = nil
	b.broadcastLocked()
	s.notifyLocked()
}

// getWebhookInfo implements getWebhookInfo.
func (s *Server) getWebhookInfo(r *request) (result, *apiError) {
	b := r.bot
	info := models.WebhookInfo{PendingUpdateCount: len(b.queue)}
	if b.webhook != nil {
		info.URL = b.webhook.url
		info.LastErrorDate = b.webhookErrDate
		info.LastErrorMessage = b.webhookErr
	}
	return result{value: info}, nil
}

// runWebhook delivers the pending updates of b to wh, in order, one at a
// time, until wh is cancelled.
func (s *Server) runWebhook(b *botState, wh *webhook) {
	defer s.wg.Done()
	var delay time.Duration
	for {
		s.mu.Lock()
		if wh.ctx.Err() != nil {
			s.mu.Unlock()
			return
		}
		if len(b.queue) == 0 {
			ch := b.changed
			s.mu.Unlock()
			select {
			case <-ch:
			case <-wh.ctx.Done():
				return
			}
			continue
		}
		q := b.queue[0]
		s.mu.Unlock()

		failure := s.post(wh, q.data)

		s.mu.Lock()
		if wh.ctx.Err() != nil {
			s.mu.Unlock()
			return
		}
		if failure == "" {
			if len(b.queue) > 0 && b.queue[0] == q {
				b.queue = b.queue[1:]
				b.confirmed = max(b.confirmed, q.id)
			}
			s.notifyLocked()
			s.mu.Unlock()
			delay = 0
			continue
		}
		b.webhookErr = failure
		b.webhookErrDate = int(s.now().Unix())
		s.notifyLocked()
		s.mu.Unlock()

		if delay == 0 {
			delay = s.retryMin
		} else {
			delay = min(2*delay, s.retryMax)
		}
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-wh.ctx.Done():
			timer.Stop()
			return
		}
	}
}

// post sends one update to the webhook and returns "" on a 2xx answer, a
// description of the failure (as in getWebhookInfo) otherwise.
func (s *Server) post(wh *webhook, body []byte) string {
	req, err := http.NewRequestWithContext(wh.ctx, http.MethodPost, wh.url, bytes.NewReader(body))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if wh.secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", wh.secret)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err.Error()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "Wrong response from the webhook: " + resp.Status
	}
	return ""
}
