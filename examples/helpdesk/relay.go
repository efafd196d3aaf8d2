package main

import (
	"context"
	"errors"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// sendTimeout bounds a send to the staff group. A send under way when the
// relay is told to stop is finished and recorded, not abandoned: only a
// crash leaves a message sent and not recorded.
const sendTimeout = 30 * time.Second

// recordTimeout bounds how long a stopping relay keeps trying to record a
// send: the staff group already shows the message.
const recordTimeout = 30 * time.Second

// startRelay starts the relay; it runs until ctx ends or the desk closes.
func (d *Desk) startRelay(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(d.quit, cancel)
	d.relaying.Go(func() {
		defer cancel()
		defer stop()
		d.relay(ctx)
	})
}

// poke wakes the relay after items were queued.
func (d *Desk) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// relay sends the outbox to the staff group: in order, one item at a time,
// each recorded as sent, with the staff message it became, before the next
// goes. Failures that may pass are tried again, after Telegram's
// retry_after on a 429 and with a growing pause otherwise; an item the Bot
// API refuses for good is put aside, marked failed and logged, and the
// rest go on. The only item a crash can double is the one on its way.
func (d *Desk) relay(ctx context.Context) {
	var pause time.Duration
	failures := 0
	for {
		if pause > 0 && !sleep(ctx, pause) {
			return
		}
		it, ok, err := d.nextOut(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failures++
			d.log.WarnContext(ctx, "reading the staff outbox failed", "err", err)
			pause = backoff(failures)
			continue
		case !ok:
			pause = 0
			select {
			case <-ctx.Done():
				return
			case <-d.wake:
			}
			continue
		}
		failures = 0
		var stop bool
		if pause, stop = d.relayOne(ctx, it); stop {
			return
		}
	}
}

// relayOne makes one attempt to send item it and records the outcome. It
// returns how long to wait before the next attempt, and whether the relay
// must stop.
func (d *Desk) relayOne(ctx context.Context, it outItem) (pause time.Duration, stop bool) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	staff, err := d.sendOut(sctx, it)
	cancel()
	if err == nil {
		if d.cfg.crashAfterSend != nil && d.cfg.crashAfterSend(it.Key) {
			return 0, true
		}
		return 0, !d.recordSent(ctx, it, staff)
	}
	if ctx.Err() != nil {
		return 0, true // stopping: it goes at the next start
	}
	var tooMany *bot.TooManyRequestsError
	switch {
	case errors.As(err, &tooMany):
		pause = time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
	case refusedForGood(err):
		d.log.ErrorContext(ctx, "the staff group refused a message; it is put aside", "key", it.Key, "err", err)
		if err := d.markFailed(ctx, it, err); err != nil {
			d.log.WarnContext(ctx, "recording a refused staff message failed", "key", it.Key, "err", err)
			return backoff(1), false
		}
		return 0, false
	default:
		pause = backoff(it.Attempts + 1)
	}
	d.log.WarnContext(ctx, "sending to the staff group failed; it is tried again", "key", it.Key, "err", err, "in", pause)
	if err := d.markAttempt(ctx, it, err); err != nil {
		d.log.WarnContext(ctx, "recording an attempt failed", "key", it.Key, "err", err)
	}
	return pause, false
}

// refusedForGood reports whether the Bot API refused a message in a way
// that trying again does not change: a bad request (the message to copy is
// gone, a text too long), a forbidden chat, a group that became a
// supergroup. 429s, 5xx and the network may pass.
func refusedForGood(err error) bool {
	var migrated *bot.MigrateError
	return errors.Is(err, bot.ErrorBadRequest) || errors.Is(err, bot.ErrorForbidden) || errors.As(err, &migrated)
}

// sendOut sends item it to the staff group and returns the staff message
// it became. Copies and notices hang from their conversation's header,
// which the outbox's order has sent first.
func (d *Desk) sendOut(ctx context.Context, it outItem) (int, error) {
	reply := it.ReplyTo
	if it.Kind == outCopy || it.Kind == outNotice {
		h, err := d.headerOf(ctx, it.Conversation)
		if err != nil {
			return 0, err
		}
		reply = h
	}
	var rp *models.ReplyParameters
	if reply != 0 {
		rp = &models.ReplyParameters{MessageID: reply, AllowSendingWithoutReply: true}
	}
	if it.Kind == outCopy {
		m, err := d.bot.Client().CopyMessage(ctx, &bot.CopyMessageParams{ChatID: d.cfg.StaffChat, FromChatID: it.FromChat,
			MessageID: it.FromMessage, ReplyParameters: rp})
		if err != nil {
			return 0, err
		}
		return m.ID, nil
	}
	m, err := d.bot.Client().SendMessage(ctx, &bot.SendMessageParams{ChatID: d.cfg.StaffChat, Text: it.Text, ReplyParameters: rp})
	if err != nil {
		return 0, err
	}
	return m.ID, nil
}

// recordSent records that item it was sent as staff message staff. It
// tries through failures for as long as the relay runs, and for up to
// recordTimeout once it is stopping: until it is recorded nothing else is
// sent, and an item not recorded goes again at the next start. It reports
// whether the item is recorded.
func (d *Desk) recordSent(ctx context.Context, it outItem, staff int) bool {
	var giveUp time.Time
	for attempt := 1; ; attempt++ {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
		err := d.markSent(rctx, it, staff)
		cancel()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			if giveUp.IsZero() {
				giveUp = time.Now().Add(recordTimeout)
			} else if time.Now().After(giveUp) {
				d.log.Error("a staff message was sent but not recorded; it is sent again at the next start", "key", it.Key, "err", err)
				return false
			}
		}
		d.log.Warn("recording a staff message failed; trying again", "key", it.Key, "staff message", staff, "err", err)
		time.Sleep(min(backoff(attempt), 5*time.Second))
	}
}

// backoff is the pause after the nth failure in a row: 100ms doubling up
// to 30s.
func backoff(n int) time.Duration {
	return min(100*time.Millisecond<<min(max(n-1, 0), 16), 30*time.Second)
}

// sleep waits for d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
