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
		wake = earliest(wake, w)
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
					wake = earliest(wake, r.wake)
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
// ctx's error then. It delivers pending messages every interval, sooner
// when a message waits only for a rate limit, and at once when a command
// leaves a message to it (commands try each new message themselves while
// a send slot is free, see Config.MaxInFlight); and it fires timers
// (FireTimers) as they fall due, starting with those that fell due while
// no process ran. As it starts, it
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
		case <-e.deliveryKick:
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

// Recording a send's outcome while the store fails: the pauses between
// attempts, and how long one attempt may take.
const (
	recordPause    = 20 * time.Millisecond
	maxRecordPause = 2 * time.Second
	recordAttempt  = 10 * time.Second
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
		c.wake = earliest(c.wake, r.wake)
	}
	return c
}

// attempt is the outcome of deliverOne.
type attempt struct {
	msg       conversation.Message // as stored afterwards
	attempted bool                 // a send was made
	wake      time.Time            // held back by a rate limit until then
	rec       *step                // the step that recorded the outcome, to advance
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
// bound what a crash can double (Config.MaxInFlight). It waits for a slot
// until ctx ends.
func (e *Engine) deliverOne(ctx context.Context, m conversation.Message) attempt {
	return e.deliverWithSlot(ctx, m, true)
}

// deliverIfFree is deliverOne when a slot is free at once; otherwise it
// leaves m to Run, which it wakes, so that a contact's message is not held
// up by the engine's outbound backlog.
func (e *Engine) deliverIfFree(ctx context.Context, m conversation.Message) (conversation.Message, bool) {
	r := e.deliverWithSlot(ctx, m, false)
	return r.msg, r.attempted
}

func (e *Engine) deliverWithSlot(ctx context.Context, m conversation.Message, wait bool) attempt {
	b, err := e.channelIn(ctx, nil, m.Workspace, m.Channel)
	if err != nil {
		e.unserved(ctx, m)
		return attempt{msg: m}
	}
	var free <-chan struct{} // nil: never ready
	if wait {
		free = ctx.Done()
	}
	select {
	case e.inFlight <- struct{}{}:
	case <-free:
		return attempt{msg: m}
	default:
		if !wait {
			e.kickDelivery()
			return attempt{msg: m}
		}
		select {
		case e.inFlight <- struct{}{}:
		case <-free:
			return attempt{msg: m}
		}
	}
	var once sync.Once
	r := e.sendOne(ctx, b, m, func() { once.Do(func() { <-e.inFlight }) })
	// The record's reactions and Publish may call the engine, and so send:
	// the step is advanced once the slot is free (or handed to the
	// recording that still holds it).
	if r.rec != nil {
		e.advance(ctx, r.rec)
	} else {
		_ = e.publishEvents(ctx)
	}
	return r
}

// earliest returns the earlier of two times, the zero time meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// kickDelivery wakes Run's delivery loop.
func (e *Engine) kickDelivery() {
	select {
	case e.deliveryKick <- struct{}{}:
	default:
	}
}

// unserved notes, once per channel, that outbound messages wait on a
// channel this engine does not serve: another engine on the store may.
func (e *Engine) unserved(ctx context.Context, m conversation.Message) {
	if _, seen := e.unservedSeen.LoadOrStore(chanKey{m.Workspace, m.Channel}, true); !seen {
		e.log.WarnContext(ctx, "outbound messages on a channel this engine does not serve are left to others", "workspace", m.Workspace, "channel", m.Channel)
	}
}

// sendOne is deliverOne once it holds an in-flight slot; it calls release
// when the slot may go: at once when nothing was sent, else once the
// outcome is recorded.
func (e *Engine) sendOne(ctx context.Context, b *boundChannel, m conversation.Message, release func()) attempt {
	var (
		to       string
		wait     time.Duration
		reserved time.Time
		claimed  bool
	)
	_, err := e.exec(ctx, "deliver", conversation.System(), func(tx store.Tx, s *step) error {
		s.quiet = true
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
		if to == "" {
			// The contact was erased (Engine.EraseContact): nothing says
			// where to send.
			ch, err := conversation.Failed(&m, store.ErasedFailure, now)
			if err != nil {
				return err
			}
			m = ch.Message
			return s.add(ctx, tx, &ch)
		}
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
		return s.add(ctx, tx, &ch)
	})
	if err != nil || !claimed {
		release()
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
	// It does not end with the caller's context: a send cut off midway may
	// have reached the channel, and would go again.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.claimTimeout/2)
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
	claim := m
	record := func(ctx context.Context, tx store.Tx, s *step) (conversation.Message, error) {
		cur, err := tx.Message(ctx, claim.Workspace, claim.ID)
		if err != nil {
			return claim, err
		}
		if cur.Delivery != conversation.DeliveryPending {
			return cur, nil // another attempt finished it
		}
		now := e.now()
		var ch conversation.Change
		switch {
		case sendErr == nil:
			ch, err = conversation.Sent(&cur, receipt.Ref, now)
		case errors.Is(sendErr, channel.ErrRefused):
			ch, err = conversation.Failed(&cur, sendErr.Error(), now)
		case cur.Version != claim.Version:
			return cur, nil // our claim lapsed and another attempt holds it
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
			return cur, err
		}
		if err := s.add(ctx, tx, &ch); err != nil {
			return cur, err
		}
		if errors.Is(sendErr, channel.ErrBlocked) {
			if err := markUnreachable(ctx, tx, s, &cur, now); err != nil {
				return cur, err
			}
		}
		return ch.Message, nil
	}
	if sendErr != nil {
		e.log.InfoContext(ctx, "sending a message failed", "message", claim.ID, "err", sendErr)
	}
	recCtx := context.WithoutCancel(ctx)
	if got, rec, done := e.recordOutcome(recCtx, ctx.Done(), claim, record); done {
		release()
		return attempt{msg: got, attempted: true, rec: rec}
	}
	// The caller is gone and the store still fails: the recording goes on
	// in the background, holding the slot until it is recorded, and Close
	// waits for it.
	e.recorders.Add(1)
	e.busy.Add(1)
	go func() {
		defer e.recorders.Done()
		defer e.busy.Add(-1)
		_, rec, done := e.recordOutcome(recCtx, nil, claim, record)
		release()
		if done && rec != nil {
			e.advance(recCtx, rec) // the record's reactions and events (message.sent)
		}
	}()
	return attempt{msg: claim, attempted: true}
}

// recordOutcome runs record, again while the store fails for a moment,
// until it succeeds or fails for good (done), the engine closes (done: the
// claim will lapse and the message go again), or stop is closed first (not
// done: the caller may hand the recording on). It returns the message as
// recorded, or claim when nothing was.
func (e *Engine) recordOutcome(ctx context.Context, stop <-chan struct{}, claim conversation.Message,
	record func(context.Context, store.Tx, *step) (conversation.Message, error)) (conversation.Message, *step, bool) {
	for pause := recordPause; ; pause = min(2*pause, maxRecordPause) {
		got := claim
		actx, cancel := context.WithTimeout(ctx, recordAttempt)
		s, err := e.exec(actx, "deliver", conversation.System(), func(tx store.Tx, s *step) error {
			s.quiet = true
			var err error
			got, err = record(actx, tx, s)
			return err
		})
		cancel()
		switch ErrorCode(err) {
		case "":
			return got, s, true
		case CodeUnavailable, CodeContention, CodeCanceled:
		default:
			e.log.ErrorContext(ctx, "recording a delivery failed for good; the message will be sent again", "message", claim.ID, "err", err)
			return claim, nil, true
		}
		e.log.WarnContext(ctx, "recording a delivery failed; trying again", "message", claim.ID, "err", err)
		select {
		case <-e.closed:
			e.log.WarnContext(ctx, "the engine closed before a delivery was recorded; the message will be sent again", "message", claim.ID)
			return claim, nil, true
		case <-stop:
			return claim, nil, false
		case <-time.After(pause):
		}
	}
}

// markUnreachable flags the contact of m's conversation as unreachable:
// they blocked the account. Their next message clears the flag.
func markUnreachable(ctx context.Context, tx store.Tx, s *step, m *conversation.Message, now time.Time) error {
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
	ch := conversation.Change{Contact: k, ContactWrite: conversation.Update}
	ch.Emit(conversation.Event{Type: conversation.EventContactUnreachable, Workspace: m.Workspace, At: now,
		Contact: k.ID, Conversation: c.ID, Ticket: c.Ticket, TicketNumber: c.TicketNumber, Message: m.ID})
	return s.add(ctx, tx, &ch)
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

// SendSlot takes one of the engine's in-flight slots (Config.MaxInFlight)
// for a send the host makes on its own, outside the engine's outbox, such
// as a copy to a staff group: a host that holds the slot from its send to
// the record of its outcome keeps what one crash can double, across the
// engine's sends and its own, within MaxInFlight. It waits for a slot
// until ctx ends (then CodeCanceled). Call release exactly once.
func (e *Engine) SendSlot(ctx context.Context) (release func(), err error) {
	select {
	case e.inFlight <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-e.inFlight }) }, nil
	case <-ctx.Done():
		return nil, wrap("send slot", ctx.Err())
	}
}
