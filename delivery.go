package contactcenter

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
)

// DeliverPending sends the outbound messages that are pending and due:
// those whose first attempt failed temporarily or waited for the channel's
// rate limits, and those a stopped process had stored but not sent (R18).
// Messages of one conversation go out in the order they were stored: one
// waits while an earlier one is pending, and follows as soon as that one
// has gone. Every due message is reached, whatever the mix of due times
// and whatever the messages before it that cannot be sent now. It returns
// how many messages it tried to send.
func (e *Engine) DeliverPending(ctx context.Context) (int, error) {
	n, _, err := e.deliverPending(ctx)
	return n, err
}

// deliverBatch is how many due messages one read of the store returns.
const deliverBatch = 100

// deliverPending is DeliverPending that also says when a message held back
// by a rate limit may go (zero if none was).
//
// A sweep pages through every conversation's first pending message that is
// due (store.Tx.PendingMessages) and tries each; once one is sent, the
// conversation's next due message follows at once (deliver). Sweeps repeat
// while the last one sent anything, since a message that went may have
// made the next of its conversation the first; a sweep that sends nothing
// ends the pass: what is left is not due, waits for a rate limit, or
// belongs to channels this engine does not serve.
func (e *Engine) deliverPending(ctx context.Context) (int, time.Time, error) {
	tried := 0
	var wake time.Time
	for {
		progress, w, err := e.sweep(ctx)
		tried += progress
		if !w.IsZero() && (wake.IsZero() || w.Before(wake)) {
			wake = w
		}
		if err != nil {
			return tried, wake, wrap("deliver pending", err)
		}
		if progress == 0 {
			return tried, wake, nil
		}
	}
}

// sweep tries every due message once, page by page, with e.inFlight
// workers; it returns how many it tried to send.
func (e *Engine) sweep(ctx context.Context) (int, time.Time, error) {
	var (
		mu       sync.Mutex
		progress int
		wake     time.Time
		after    store.PendingAfter
		now      = e.now() // one instant for the whole sweep: what a try postpones is not met again
	)
	for {
		var due []conversation.Message
		err := e.store.View(ctx, func(tx store.Tx) error {
			var err error
			due, err = tx.PendingMessages(ctx, now, after, deliverBatch)
			return err
		})
		if err != nil {
			return progress, wake, err
		}
		next := make(chan conversation.Message)
		var wg sync.WaitGroup
		for range min(cap(e.inFlight), len(due)) {
			wg.Go(func() {
				for m := range next {
					r := e.deliverChain(ctx, m)
					mu.Lock()
					progress += r.tried
					if !r.wake.IsZero() && (wake.IsZero() || r.wake.Before(wake)) {
						wake = r.wake
					}
					mu.Unlock()
				}
			})
		}
		for _, m := range due {
			next <- m
		}
		close(next)
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return progress, wake, err
		}
		if len(due) < deliverBatch {
			return progress, wake, nil
		}
		after = store.PendingPosition(due[len(due)-1])
	}
}

// Run serves the engine's time-driven work until ctx ends, and returns
// ctx's error then. It delivers pending messages every interval, and sooner
// when a message waits only for a rate limit (the commands also try each
// new message at once); and it fires timers (FireTimers) as they fall due,
// starting with those that fell due while no process ran. As it starts, it
// has the background publisher publish the events a stopped process left
// (what PublishPending does, without waiting for it): commands are served
// at once, even while another process's drain holds the store. Hosts run
// it in a goroutine.
func (e *Engine) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = time.Second
	}
	e.publishStored()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { e.runTimers(ctx) })
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return wrap("run", ctx.Err())
		case <-t.C:
		}
		_, wake, err := e.deliverPending(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.WarnContext(ctx, "delivering pending messages failed", "err", err)
		}
		// Wake when the rate limit allows, counted from when it was asked:
		// the time spent since is not lost to the account's budget.
		wait := interval
		if !wake.IsZero() {
			wait = min(max(wake.Sub(e.now()), 0), interval)
		}
		t.Reset(wait)
	}
}

// Pauses between attempts to record a send's outcome while the store
// fails.
const (
	recordPause    = 20 * time.Millisecond
	maxRecordPause = 2 * time.Second
)

// deliver makes one attempt to send the pending message m and records the
// outcome; attempted reports whether it sent at all. It does not send m
// while an earlier message of its conversation is pending, nor while
// another attempt holds its claim. Once m is sent, the conversation's next
// pending message that is due follows at once, so messages stored while m
// was on its way are not left waiting. Failures are recorded on the
// message, not returned.
func (e *Engine) deliver(ctx context.Context, m conversation.Message) (conversation.Message, bool) {
	r := e.deliverChain(ctx, m)
	return r.first.msg, r.first.attempted
}

// chain is the outcome of deliverChain.
type chain struct {
	first attempt   // the attempt at the message asked for
	tried int       // sends made, the followers' included
	wake  time.Time // the earliest a rate limit lets one of them go
}

// deliverChain tries m, then, while each one is sent, the next due message
// of its conversation.
func (e *Engine) deliverChain(ctx context.Context, m conversation.Message) chain {
	r := e.deliverOne(ctx, m)
	c := chain{first: r, wake: r.wake}
	for {
		if r.attempted {
			c.tried++
		}
		if r.msg.Delivery != conversation.DeliverySent || ctx.Err() != nil {
			break
		}
		next, err := e.nextDue(ctx, r.msg)
		if err != nil {
			break
		}
		r = e.deliverOne(ctx, next)
		if !r.wake.IsZero() {
			c.wake = r.wake
		}
	}
	return c
}

// attempt is the outcome of deliverOne.
type attempt struct {
	msg       conversation.Message // as stored afterwards
	attempted bool                 // a send was made
	wake      time.Time            // held back by a rate limit until then
}

// nextDue returns the pending message of m's conversation that is due
// next; store.ErrNotFound if there is none.
func (e *Engine) nextDue(ctx context.Context, m conversation.Message) (conversation.Message, error) {
	var next conversation.Message
	err := e.store.View(ctx, func(tx store.Tx) error {
		var err error
		next, err = tx.FirstPending(ctx, m.Workspace, m.Conversation)
		if err == nil && next.NextAttempt.After(e.now()) {
			return store.ErrNotFound
		}
		return err
	})
	return next, err
}

// deliverOne claims m, sends it and records the outcome. It holds one of
// the engine's in-flight slots from the claim to the record: a process
// killed meanwhile sends m again once the claim lapses, since a channel
// does not say whether it took a message it was sending, so the slots
// bound what a crash can double (Config.MaxInFlight).
func (e *Engine) deliverOne(ctx context.Context, m conversation.Message) attempt {
	b, err := e.channel(m.Workspace, m.Channel)
	if err != nil {
		e.log.WarnContext(ctx, "outbound message on a channel this engine does not serve", "message", m.ID, "channel", m.Channel)
		return attempt{msg: m}
	}
	select {
	case e.inFlight <- struct{}{}:
	case <-ctx.Done():
		return attempt{msg: m}
	}
	r := e.sendOne(ctx, b, m)
	<-e.inFlight
	// Publish may call the engine, and so send: it runs once the slot is
	// free.
	_ = e.publishEvents(ctx)
	return r
}

// sendOne is deliverOne once it holds an in-flight slot.
func (e *Engine) sendOne(ctx context.Context, b *boundChannel, m conversation.Message) attempt {
	var (
		to       string
		wait     time.Duration
		reserved time.Time
		claimed  bool
	)
	err := e.apply(ctx, "deliver", func(tx store.Tx) error {
		claimed, wait = false, 0
		cur, err := tx.Message(ctx, m.Workspace, m.ID)
		if err != nil {
			return err
		}
		m = cur
		now := e.now()
		if m.Delivery != conversation.DeliveryPending || m.NextAttempt.After(now) {
			return nil // sent, refused, or claimed by another attempt
		}
		first, err := tx.FirstPending(ctx, m.Workspace, m.Conversation)
		if err != nil {
			return err
		}
		if first.ID != m.ID {
			return nil // an earlier message of the conversation goes first
		}
		c, err := tx.Conversation(ctx, m.Workspace, m.Conversation)
		if err != nil {
			return err
		}
		to = c.ContactExternalID
		group := false
		if g, ok := b.transport.(channel.GroupChecker); ok {
			group = g.IsGroup(to)
		}
		reserved = now
		if wait = b.limiter.Reserve(now, to, group); wait > 0 {
			return nil // the account's rates: later
		}
		ch, err := conversation.Claim(&m, now.Add(e.claimTimeout))
		if err != nil {
			return err
		}
		m, claimed = ch.Message, true
		return e.commit(ctx, tx, &ch)
	})
	if err != nil || !claimed {
		if err != nil {
			e.log.WarnContext(ctx, "claiming an outbound message failed", "message", m.ID, "err", err)
		}
		var wake time.Time
		if wait > 0 {
			wake = reserved.Add(wait)
		}
		return attempt{msg: m, wake: wake}
	}

	// The send must end well within the claim, or another attempt may start.
	sendCtx, cancel := context.WithTimeout(ctx, e.claimTimeout/2)
	var receipt channel.Receipt
	var sendErr error
	if m.Editing() {
		sendErr = b.transport.Edit(sendCtx, channel.Edit{To: to, Ref: m.ExternalID, Text: m.Text})
	} else {
		receipt, sendErr = b.transport.Send(sendCtx, outgoing(b.caps, &m, to))
	}
	cancel()

	// The channel has answered: record it whatever the caller's context
	// does, and through store failures for as long as it takes, since a
	// claim left to lapse sends the message again.
	recCtx := context.WithoutCancel(ctx)
	claim := m
	record := func(tx store.Tx) error {
		cur, err := tx.Message(recCtx, claim.Workspace, claim.ID)
		if err != nil {
			return err
		}
		m = cur
		if cur.Delivery != conversation.DeliveryPending {
			return nil // another attempt finished it
		}
		now := e.now()
		var ch conversation.Change
		switch {
		case sendErr == nil:
			ch, err = conversation.Sent(&cur, receipt.Ref, now)
		case errors.Is(sendErr, channel.ErrRefused):
			ch, err = conversation.Failed(&cur, sendErr.Error(), now)
		case cur.Version != claim.Version:
			return nil // our claim lapsed and another attempt holds it
		default:
			wait := e.backoff(cur.Attempts)
			var ra *channel.RetryAfterError
			if errors.As(sendErr, &ra) {
				b.limiter.Pause(now.Add(ra.After)) // the whole account waits
				wait = max(wait, ra.After)
			}
			ch, err = conversation.Retry(&cur, sendErr.Error(), now.Add(wait))
		}
		if err != nil {
			return err
		}
		m = ch.Message
		if err := e.commit(recCtx, tx, &ch); err != nil {
			return err
		}
		if errors.Is(sendErr, channel.ErrBlocked) {
			return markUnreachable(recCtx, tx, &cur, now)
		}
		return nil
	}
	for pause := recordPause; ; pause = min(2*pause, maxRecordPause) {
		err = e.apply(recCtx, "deliver", record)
		if c := ErrorCode(err); c != CodeUnavailable && c != CodeConflict {
			break
		}
		e.log.WarnContext(ctx, "recording a delivery failed; trying again", "message", claim.ID, "err", err)
		select {
		case <-e.closed:
		case <-time.After(pause):
			continue
		}
		break // the engine is closing: the claim lapses and the message goes again
	}
	if err != nil {
		e.log.WarnContext(ctx, "recording a delivery failed; the message will be sent again", "message", m.ID, "err", err)
	}
	if sendErr != nil {
		e.log.InfoContext(ctx, "sending a message failed", "message", m.ID, "delivery", m.Delivery, "err", sendErr)
	}
	return attempt{msg: m, attempted: true}
}

// markUnreachable flags the contact of m's conversation as unreachable:
// they blocked the account. Their next message clears the flag.
func markUnreachable(ctx context.Context, tx store.Tx, m *conversation.Message, now time.Time) error {
	c, err := tx.Conversation(ctx, m.Workspace, m.Conversation)
	if err != nil {
		return err
	}
	k, err := tx.Contact(ctx, m.Workspace, c.Contact)
	if err != nil || k.Unreachable {
		return err
	}
	k.Unreachable = true
	k.Version++
	if err := tx.UpdateContact(ctx, k); err != nil {
		return err
	}
	return tx.AppendEvent(ctx, conversation.Event{Type: conversation.EventContactUnreachable, Workspace: m.Workspace, At: now,
		Conversation: c.ID, Ticket: c.Ticket, TicketNumber: c.TicketNumber, Message: m.ID})
}

// outgoing turns a stored message into what a transport sends. A voice note
// goes out as a voice message where the channel supports it and as a file
// otherwise (R13).
func outgoing(caps channel.Capabilities, m *conversation.Message, to string) channel.Outgoing {
	out := channel.Outgoing{Key: string(m.ID), To: to, Text: m.Text}
	if len(m.Attachments) > 0 {
		a := m.Attachments[0]
		out.File = &channel.File{
			Name:     a.Name,
			MIME:     a.MIME,
			Size:     a.Size,
			Ref:      a.Ref,
			Voice:    m.Kind == conversation.KindVoice && caps.Voice,
			Duration: a.Duration,
		}
	}
	return out
}
