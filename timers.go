package contactcenter

import (
	"context"
	"errors"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// timerLease is how long a claimed timer is kept from other claims; a
// process that stops before it acted on a timer leaves it due again then.
const timerLease = time.Minute

// timerPoll bounds the wait for the next timer: other processes on the
// store set timers too.
const timerPoll = 5 * time.Second

// syncTimeout keeps conversation c's timeout timer in line with it (R7): set
// at its last activity plus its channel's timeout while it is open, gone
// once it is closed. Only messages between contact and agent move
// LastActivity, so automatic messages do not reset the timer.
func (e *Engine) syncTimeout(ctx context.Context, tx store.Tx, c *conversation.Conversation) error {
	b, err := e.channel(c.Workspace, c.Channel)
	if err != nil {
		return nil // a channel this engine does not serve: the one that does sets it
	}
	timeout := b.cfg.Settings.MessageTimeout
	if c.State != conversation.Open || timeout <= 0 {
		if c.State == conversation.Open && timeout <= 0 {
			return nil
		}
		return tx.DeleteTimer(ctx, conversation.TimerTimeout, c.Workspace, string(c.ID))
	}
	if err := tx.SetTimer(ctx, store.Timer{Kind: conversation.TimerTimeout, Workspace: c.Workspace, Key: string(c.ID), Due: c.LastActivity.Add(timeout)}); err != nil {
		return err
	}
	e.kickTimers()
	return nil
}

// kickTimers wakes the timers' loop to look at the next due time again.
func (e *Engine) kickTimers() {
	select {
	case e.timersKick <- struct{}{}:
	default:
	}
}

// FireTimers acts on the timers due now: conversations idle past their
// channel's timeout close (R7); agents whose heartbeats stopped for the
// grace period are disconnected (R3). Timers are claimed in the store, so
// that several engines on one store act on each once. It returns how many
// timers it handled. Run calls it at start, which catches up with what fell
// due while no process ran, and whenever a timer is due; tests drive it with
// their clock.
func (e *Engine) FireTimers(ctx context.Context) (int, error) {
	handled := 0
	for {
		due, err := e.store.ClaimTimers(ctx, e.now(), timerLease, 100)
		if err != nil {
			return handled, wrap("fire timers", err)
		}
		for _, t := range due {
			var err error
			switch t.Kind {
			case conversation.TimerTimeout:
				err = e.timeOut(ctx, t.Timer)
			case conversation.TimerHeartbeat:
				err = e.heartbeatLost(ctx, t.Timer)
			default:
				err = e.update(ctx, "fire timers", func(tx store.Tx) error { return tx.DeleteTimer(ctx, t.Kind, t.Workspace, t.Key) })
			}
			if err != nil {
				e.log.WarnContext(ctx, "a timer failed; it is due again after its lease", "kind", t.Kind, "key", t.Key, "err", err)
				continue
			}
			handled++
		}
		if len(due) < 100 {
			return handled, nil
		}
	}
}

// timeOut closes a conversation idle past its channel's timeout (R7), or
// sets its timer again when a message came since.
func (e *Engine) timeOut(ctx context.Context, t store.Timer) error {
	closed := false
	err := e.update(ctx, "time out", func(tx store.Tx) error {
		closed = false
		c, err := tx.Conversation(ctx, t.Workspace, conversation.ID(t.Key))
		if errors.Is(err, store.ErrNotFound) {
			return tx.DeleteTimer(ctx, t.Kind, t.Workspace, t.Key)
		} else if err != nil {
			return err
		}
		var timeout time.Duration
		if b, err := e.channel(c.Workspace, c.Channel); err == nil {
			timeout = b.cfg.Settings.MessageTimeout
		}
		ch, ok := conversation.TimeOut(&c, timeout, e.now())
		if !ok {
			return e.syncTimeout(ctx, tx, &c) // set again, or deleted
		}
		closed = true
		return e.commit(ctx, tx, &ch)
	})
	if err == nil && closed {
		e.assignWaiting(ctx, t.Workspace) // the assignee has room again
	}
	return err
}

// Heartbeat tells that an agent is connected: an offline agent comes
// online (R11), and the agent counts as disconnected if no heartbeat
// follows within the grace period (Config.HeartbeatGrace), which
// reassigns their conversations where the channel says so (R3).
func (e *Engine) Heartbeat(ctx context.Context, ws ticket.WorkspaceID, id conversation.AgentID) (conversation.Agent, error) {
	var out conversation.Agent
	cameOnline := false
	err := e.update(ctx, "heartbeat", func(tx store.Tx) error {
		cameOnline = false
		a, err := loadAgent(ctx, tx, ws, id)
		if err != nil {
			return err
		}
		out = a
		if a.Presence == conversation.Offline {
			if out, err = e.setPresence(ctx, tx, a, conversation.Online); err != nil {
				return err
			}
			cameOnline = true
		}
		if err := tx.SetTimer(ctx, store.Timer{Kind: conversation.TimerHeartbeat, Workspace: ws, Key: string(id), Due: e.now().Add(e.grace)}); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return conversation.Agent{}, err
	}
	e.kickTimers()
	if cameOnline {
		e.assignWaiting(ctx, ws)
	}
	return out, nil
}

// heartbeatLost disconnects an agent whose heartbeats stopped (R3).
func (e *Engine) heartbeatLost(ctx context.Context, t store.Timer) error {
	err := e.update(ctx, "heartbeat lost", func(tx store.Tx) error {
		if err := tx.DeleteTimer(ctx, t.Kind, t.Workspace, t.Key); err != nil {
			return err
		}
		a, err := tx.Agent(ctx, t.Workspace, conversation.AgentID(t.Key))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if a.Presence == conversation.Offline {
			return nil
		}
		_, err = e.setPresence(ctx, tx, a, conversation.Offline)
		return err
	})
	if err != nil {
		return err
	}
	return e.disconnect(ctx, t.Workspace, conversation.AgentID(t.Key))
}

// runTimers fires timers as they fall due until ctx ends: one timer for the
// process, set to the store's next due time.
func (e *Engine) runTimers(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := e.FireTimers(ctx); err != nil && ctx.Err() == nil {
				e.log.WarnContext(ctx, "firing timers failed", "err", err)
			}
		case <-e.timersKick:
		}
		wait := timerPoll
		if next, ok, err := e.store.NextTimer(ctx); err == nil && ok {
			wait = min(max(next.Sub(e.now()), 0), timerPoll)
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(wait)
	}
}
