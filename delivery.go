package contactcenter

import (
	"context"
	"errors"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
)

// DeliverPending sends the outbound messages that are pending and due:
// those whose first attempt failed temporarily, and those a stopped process
// had stored but not sent (R18). It returns how many it tried.
func (e *Engine) DeliverPending(ctx context.Context) (int, error) {
	const batch = 100
	tried := 0
	for {
		var due []conversation.Message
		err := e.store.View(ctx, func(tx store.Tx) error {
			var err error
			due, err = tx.PendingMessages(ctx, e.now(), batch)
			return err
		})
		if err != nil {
			return tried, wrap("deliver pending", err)
		}
		for _, m := range due {
			e.deliver(ctx, m)
		}
		tried += len(due)
		if len(due) < batch || ctx.Err() != nil {
			return tried, nil
		}
	}
}

// Run delivers pending messages every interval until ctx ends. Hosts run it
// in a goroutine; the commands also try each new message at once.
func (e *Engine) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := e.DeliverPending(ctx); err != nil && ctx.Err() == nil {
			e.log.WarnContext(ctx, "delivering pending messages failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// deliver makes one attempt to send the pending message m and records the
// outcome. It returns the message as stored afterwards; failures are
// recorded on the message, not returned.
func (e *Engine) deliver(ctx context.Context, m conversation.Message) conversation.Message {
	b, err := e.channel(m.Workspace, m.Channel)
	if err != nil {
		e.log.WarnContext(ctx, "outbound message on a channel this engine does not serve", "message", m.ID, "channel", m.Channel)
		return m
	}
	var to string
	claimed := false
	err = e.update(ctx, "deliver", func(tx store.Tx) error {
		claimed = false
		cur, err := tx.Message(ctx, m.Workspace, m.ID)
		if err != nil {
			return err
		}
		m = cur
		now := e.now()
		if m.Delivery != conversation.DeliveryPending || m.NextAttempt.After(now) {
			return nil // sent, refused, or claimed by another attempt
		}
		c, err := tx.Conversation(ctx, m.Workspace, m.Conversation)
		if err != nil {
			return err
		}
		to = c.ContactExternalID
		ch, err := conversation.Claim(&m, now.Add(e.claimTimeout))
		if err != nil {
			return err
		}
		m, claimed = ch.Message, true
		return commit(ctx, tx, &ch)
	})
	if err != nil || !claimed {
		if err != nil {
			e.log.WarnContext(ctx, "claiming an outbound message failed", "message", m.ID, "err", err)
		}
		return m
	}

	receipt, sendErr := b.transport.Send(ctx, outgoing(b.caps, &m, to))
	err = e.update(ctx, "deliver", func(tx store.Tx) error {
		cur, err := tx.Message(ctx, m.Workspace, m.ID)
		if err != nil {
			return err
		}
		if cur.Delivery != conversation.DeliveryPending {
			m = cur
			return nil
		}
		now := e.now()
		var ch conversation.Change
		switch {
		case sendErr == nil:
			ch, err = conversation.Sent(&cur, receipt.Ref, now)
		case errors.Is(sendErr, channel.ErrRefused):
			ch, err = conversation.Failed(&cur, sendErr.Error(), now)
		default:
			wait := e.backoff(cur.Attempts)
			var ra *channel.RetryAfterError
			if errors.As(sendErr, &ra) && ra.After > wait {
				wait = ra.After
			}
			ch, err = conversation.Retry(&cur, sendErr.Error(), now.Add(wait))
		}
		if err != nil {
			return err
		}
		m = ch.Message
		return commit(ctx, tx, &ch)
	})
	if err != nil {
		e.log.WarnContext(ctx, "recording a delivery failed; the message will be sent again", "message", m.ID, "err", err)
	}
	if sendErr != nil {
		e.log.InfoContext(ctx, "sending a message failed", "message", m.ID, "delivery", m.Delivery, "err", sendErr)
	}
	return m
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
