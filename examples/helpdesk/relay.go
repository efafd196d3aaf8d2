package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/telenet/contactcenter"
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
// goes. It is the only sender in the staff chat as the bot, and claims
// each item before its send: a copy whose record a crash lost is still
// recognised as the item's (recognise). A conversation's copies and notices hang from its header, queued
// and sent before the first of them. Failures that may pass are tried
// again, after Telegram's retry_after on a 429 and with a growing pause
// otherwise. When the bot cannot post in the staff chat at all (it was
// removed from the group, lost its rights, or the token was revoked), the
// items wait, the relay pauses for up to faultPause and says so at Error
// level; when the group became a supergroup the desk moves there. An item
// the Bot API refuses for its own content is put aside, marked failed and
// logged, and the rest go on. Each send holds one of the engine's
// in-flight slots (Engine.SendSlot) until its outcome is recorded, so that
// the staff group's sends and the customers' share Config.MaxInFlight: the
// only items a crash can double are those on their way.
func (d *Desk) relay(ctx context.Context) {
	var pause time.Duration
	failures := 0
	for {
		if pause > 0 && !sleep(ctx, pause) {
			return
		}
		it, ok, err := d.nextOut(ctx)
		ready := false
		if err == nil && ok {
			ready, err = d.underHeader(ctx, &it)
		}
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
		case !ready: // its header was queued: it goes first
			pause = 0
			continue
		}
		failures = 0
		var stop bool
		if pause, stop = d.relayOne(ctx, it); stop {
			return
		}
	}
}

// underHeader sets the staff message a copy or a notice of a conversation
// hangs from: the conversation's header in the staff chat. If the
// conversation has none there yet, it queues one and reports that it is
// not ready: the header goes first (nextOut). A header refused for good
// leaves its conversation's copies and notices standing alone.
func (d *Desk) underHeader(ctx context.Context, it *outItem) (ready bool, err error) {
	if !underConversation(it.Kind) || it.Conversation == "" {
		return true, nil
	}
	if it.ReplyTo, err = d.headerOf(ctx, it.Conversation); err != nil || it.ReplyTo != 0 {
		return err == nil, err
	}
	key := headerKey(d.epoch.Load(), it.Conversation)
	state, err := d.outState(ctx, key)
	if err != nil || state != "" {
		return err == nil && state != outPending, err
	}
	h, err := d.header(ctx, it.Conversation, key)
	switch contactcenter.ErrorCode(err) {
	case "":
	case contactcenter.CodeNotFound, contactcenter.CodeInvalid:
		d.log.ErrorContext(ctx, "a conversation in the staff outbox cannot be headed; its messages stand alone",
			"conversation", it.Conversation, "err", err)
		return true, nil
	default:
		return false, err
	}
	return false, d.enqueue(ctx, h)
}

// relayOne makes one attempt to send item it and records the outcome:
// claimed (claimOut) before the send, so that a message it posts in the
// staff group is known for the item's even if its record is lost. It
// returns how long to wait before the next attempt, and whether the relay
// must stop. It holds an in-flight slot from the send to the record; the
// slot covers only the Bot API call and the desk's own tables, never a
// call to the engine, whose sends wait for the slot (and whose Publish
// runs without it): the relay waits for nothing that needs the slot.
func (d *Desk) relayOne(ctx context.Context, it outItem) (pause time.Duration, stop bool) {
	// The claim needs no slot: only the relay posts in the staff chat.
	if err := d.claimOut(ctx, it); err != nil {
		if ctx.Err() != nil {
			return 0, true
		}
		d.log.WarnContext(ctx, "claiming a staff message failed; it is tried again", "key", it.Key, "err", err)
		return backoff(it.Attempts + 1), false
	}
	release, err := d.eng.SendSlot(ctx)
	if err != nil {
		return 0, true // stopping
	}
	defer release()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	staff, err := d.sendOut(sctx, it)
	cancel()
	if err == nil {
		d.faults = 0
		if d.cfg.crashAfterSend != nil && d.cfg.crashAfterSend(it.Key) {
			return 0, true
		}
		return 0, !d.recordSent(ctx, it, staff)
	}
	if ctx.Err() != nil {
		return 0, true // stopping: it goes at the next start
	}
	var tooMany *bot.TooManyRequestsError
	var migrated *bot.MigrateError
	switch {
	case errors.As(err, &tooMany):
		pause = time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
	case errors.As(err, &migrated) && migrated.MigrateToChatID != 0:
		from, to := d.staffChat(), int64(migrated.MigrateToChatID)
		epoch, err := d.moveStaffChat(ctx, to)
		if err != nil {
			d.log.WarnContext(ctx, "recording the staff group's new chat failed", "chat", to, "err", err)
			return backoff(1), false
		}
		d.chat.Store(to)
		d.epoch.Store(epoch)
		d.log.ErrorContext(ctx, "the staff group became a supergroup: the desk posts there from now on, and conversations get new headers; set STAFF_CHAT_ID to the new chat",
			"old chat", from, "new chat", to)
		return 0, false
	case staffChatFault(it, err):
		d.faults++
		pause = min(time.Second<<min(d.faults-1, 10), d.faultPause())
		d.log.ErrorContext(ctx, "the bot cannot post in the staff chat; the staff group's messages wait until it can",
			"chat", d.staffChat(), "key", it.Key, "err", err, "in", pause)
		if err := d.markAttempt(ctx, it, err); err != nil {
			d.log.WarnContext(ctx, "recording an attempt failed", "key", it.Key, "err", err)
		}
		return pause, false
	case errors.Is(err, bot.ErrorBadRequest):
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

// defaultFaultPause is the longest pause of the relay while the bot cannot
// post in the staff chat.
const defaultFaultPause = time.Minute

func (d *Desk) faultPause() time.Duration {
	if d.cfg.faultPause > 0 {
		return d.cfg.faultPause
	}
	return defaultFaultPause
}

// chatRefusals are the Bot API's descriptions of a 400 that concerns the
// chat, not the message: the bot may not post there.
var chatRefusals = []string{"not enough rights", "have no rights", "need administrator rights", "chat_write_forbidden",
	"chat_restricted", "chat_send_"}

// staffChatFault reports whether err says that the bot cannot post in the
// staff chat at all, whatever the message: a 403 (the bot was removed from
// the group or the group was deleted), a 401 (the token was revoked), a
// migration without the new chat's id, or a 400 about the bot's rights or
// (for a text, which names no other chat) the chat not found. These are
// faults of the configuration: every item would meet them, so none is put
// aside for them. A 400 for a copy that says "chat not found" may be about
// the customer's chat, and puts the copy aside.
func staffChatFault(it outItem, err error) bool {
	var migrated *bot.MigrateError
	if errors.Is(err, bot.ErrorForbidden) || errors.Is(err, bot.ErrorUnauthorized) || errors.As(err, &migrated) {
		return true
	}
	if !errors.Is(err, bot.ErrorBadRequest) {
		return false
	}
	why := strings.ToLower(err.Error())
	for _, r := range chatRefusals {
		if strings.Contains(why, r) {
			return true
		}
	}
	return it.Kind != outCopy && strings.Contains(why, "chat not found")
}

// sendOut sends item it to the staff group and returns the staff message
// it became.
func (d *Desk) sendOut(ctx context.Context, it outItem) (int, error) {
	var rp *models.ReplyParameters
	if it.ReplyTo != 0 {
		rp = &models.ReplyParameters{MessageID: it.ReplyTo, AllowSendingWithoutReply: true}
	}
	if it.Kind == outCopy {
		m, err := d.bot.Client().CopyMessage(ctx, &bot.CopyMessageParams{ChatID: d.staffChat(), FromChatID: it.FromChat,
			MessageID: it.FromMessage, ReplyParameters: rp})
		if err != nil {
			return 0, err
		}
		return m.ID, nil
	}
	m, err := d.bot.Client().SendMessage(ctx, &bot.SendMessageParams{ChatID: d.staffChat(), Text: it.Text, ReplyParameters: rp})
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
