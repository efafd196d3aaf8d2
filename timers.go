package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// timerLease is how long a claimed timer is kept from other claims; a
// process that stops before it acted on a timer leaves it due again then.
const timerLease = time.Minute

// timerPoll bounds the wait for the next timer: other processes on the
// store set timers too. A store without store.TimerPeeker is polled at
// this pace.
const timerPoll = 5 * time.Second

// TimerHandler acts on a host's timer that fell due (Config.Timers). ctx
// carries the timer's cause: the events of the engine's calls made with it
// are caused by the timer (CauseOf). Once it returns nil the timer is
// deleted, unless it was set again meanwhile; an error leaves it due
// again after a lease of a minute. Across engines on one store, each
// firing is handled by one of them, provided the handler returns within
// the lease: a handler that takes longer may see the timer handled by
// another engine too. A process that stops after the handler returned and
// before the timer was deleted has it handled again.
type TimerHandler func(ctx context.Context, t conversation.Timer) error

// timerHandler is how the engine acts on a claimed timer: one of its own
// kinds, whose steps take cause, or a host's (hostTimer).
type timerHandler func(ctx context.Context, cause conversation.Cause, t store.ClaimedTimer) error

// addTimerHandlers checks and registers the host's timer kinds next to the
// engine's own.
func (e *Engine) addTimerHandlers(hs map[conversation.TimerKind]TimerHandler) error {
	e.timerHandlers = map[conversation.TimerKind]timerHandler{
		conversation.TimerTimeout:   e.timeOut,
		conversation.TimerHeartbeat: e.heartbeatLost,
		timerBotNoHuman:             e.noHumanFired,
		timerWorkflowRun:            e.runFired,
		timerWorkflowClock:          e.clockFired,
	}
	for kind, h := range hs {
		switch {
		case kind == "" || h == nil:
			return fmt.Errorf("%w: a timer handler needs a kind and a function", conversation.ErrInvalid)
		case e.timerHandlers[kind] != nil || engineKind(kind):
			return fmt.Errorf("%w: timer kind %q is the engine's", conversation.ErrInvalid, kind)
		}
		e.timerHandlers[kind] = e.hostTimer(h)
	}
	return nil
}

// hostTimer runs a host's handler, then deletes the timer unless it was
// set again meanwhile.
func (e *Engine) hostTimer(h TimerHandler) timerHandler {
	return func(ctx context.Context, cause conversation.Cause, t store.ClaimedTimer) error {
		ctx = withCause(ctx, cause)
		if err := h(ctx, t.Timer); err != nil {
			return err
		}
		_, err := e.exec(ctx, "timer done", conversation.System(), func(tx store.Tx, _ *step) error {
			_, err := tx.DeleteTimerAt(ctx, t.Kind, t.Workspace, t.Key, t.Lease)
			return err
		})
		return err
	}
}

// TimerSetting is a request to set a timer of the host's, for
// Engine.SetTimer.
type TimerSetting struct {
	Timer conversation.Timer
	// By is who sets the timer: the host, an agent of the timer's
	// workspace, a contact, an automation (bot, workflow). Required.
	By conversation.Actor
}

// SetTimer sets a timer of the host's, or moves it to r.Timer.Due with
// its Payload: one per kind and key in a workspace, set by r.By. Its kind
// must have a handler in Config.Timers; a timer with no kind, workspace,
// key or due time, or a payload beyond conversation.MaxTimerPayload, and
// a missing actor fail with CodeInvalid; an agent the workspace does not
// have with CodeNotFound. A timer due in the past fires at once.
func (e *Engine) SetTimer(ctx context.Context, r TimerSetting) error {
	const op = "set timer"
	t := r.Timer
	if err := t.Validate(); err != nil {
		return wrap(op, err)
	}
	if err := e.hostKind(t.Kind); err != nil {
		return wrap(op, err)
	}
	if err := r.By.Validate(); err != nil {
		return wrap(op, err)
	}
	_, err := e.run(ctx, op, r.By, func(tx store.Tx, s *step) error {
		if _, err := actorFor(ctx, tx, t.Workspace, r.By); err != nil {
			return err
		}
		return s.timer(ctx, tx, conversation.TimerChange{Timer: t})
	})
	return err
}

// TimerClearing is a request to delete a timer of the host's, for
// Engine.ClearTimer.
type TimerClearing struct {
	Kind      conversation.TimerKind
	Workspace ticket.WorkspaceID
	Key       string
	// By is who clears the timer, as TimerSetting.By. Required.
	By conversation.Actor
}

// ClearTimer deletes a timer of the host's, cleared by r.By; one that does
// not exist is no error.
func (e *Engine) ClearTimer(ctx context.Context, r TimerClearing) error {
	const op = "clear timer"
	if r.Workspace == "" || r.Key == "" {
		return wrap(op, fmt.Errorf("%w: a timer needs a workspace and a key", conversation.ErrInvalid))
	}
	if err := e.hostKind(r.Kind); err != nil {
		return wrap(op, err)
	}
	if err := r.By.Validate(); err != nil {
		return wrap(op, err)
	}
	_, err := e.exec(ctx, op, r.By, func(tx store.Tx, _ *step) error {
		if _, err := actorFor(ctx, tx, r.Workspace, r.By); err != nil {
			return err
		}
		return tx.DeleteTimer(ctx, r.Kind, r.Workspace, r.Key)
	})
	return err
}

// Timer returns a timer of the host's, with its payload; CodeNotFound when
// none is set.
func (e *Engine) Timer(ctx context.Context, kind conversation.TimerKind, ws ticket.WorkspaceID, key string) (conversation.Timer, error) {
	if err := e.hostKind(kind); err != nil {
		return conversation.Timer{}, wrap("timer", err)
	}
	var out conversation.Timer
	err := e.view(ctx, "timer", func(tx store.Tx) error {
		var err error
		out, err = tx.Timer(ctx, kind, ws, key)
		return err
	})
	return out, err
}

// engineKind reports whether kind is of the engine's reactions (their
// jobs or their claims), its chatbot's (R2) or its workflows' (R16).
func engineKind(kind conversation.TimerKind) bool {
	return strings.HasPrefix(string(kind), reactionPrefix) || strings.HasPrefix(string(kind), claimPrefix) ||
		strings.HasPrefix(string(kind), botPrefix) || strings.HasPrefix(string(kind), workflowPrefix)
}

// hostKind checks that kind is a host's registered timer kind.
func (e *Engine) hostKind(kind conversation.TimerKind) error {
	switch {
	case kind == conversation.TimerTimeout || kind == conversation.TimerHeartbeat || engineKind(kind):
		return fmt.Errorf("%w: timer kind %q is the engine's", conversation.ErrInvalid, kind)
	case e.timerHandlers[kind] == nil:
		return fmt.Errorf("%w: timer kind %q has no handler in Config.Timers", conversation.ErrInvalid, kind)
	}
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
// grace period are disconnected (R3); reactions whose engine stopped
// before it ran them run; the host's timers go to their handlers
// (Config.Timers). Timers are claimed in the store, so that several engines
// on one store act on each once. It returns how many timers it handled: a
// timeout or a heartbeat acted on, a host's timer whose handler succeeded
// and which was deleted, a reaction's job whose reaction succeeded and
// which was deleted. A failed handler or reaction, a job left to the run
// that holds its key, and a reaction's lapsed claim, which it deletes (the
// engine's bookkeeping), do not count. Run calls it at start, which
// catches up with what fell due while no process ran, and whenever a timer
// is due; tests drive it with their clock. A timer of a kind the engine
// has no handler for stays, for an engine that has one.
func (e *Engine) FireTimers(ctx context.Context) (int, error) {
	handled := 0
	for {
		due, err := e.store.ClaimTimers(ctx, e.now(), timerLease, 100)
		if err != nil {
			return handled, wrap("fire timers", err)
		}
		for _, t := range due {
			if !e.now().Before(t.Lease) {
				// Its lease passed while the timers before it were handled:
				// another engine may hold it now. It is claimed again.
				e.log.WarnContext(ctx, "a claimed timer's lease passed before it was handled; it is left to the next claim", "kind", t.Kind, "key", t.Key)
				continue
			}
			if e.fire(ctx, t) {
				handled++
			}
		}
		if len(due) < 100 {
			return handled, nil
		}
	}
}

// fire acts on one claimed timer and reports whether it was handled.
func (e *Engine) fire(ctx context.Context, t store.ClaimedTimer) bool {
	if r, claim := e.reactorOf(t.Kind); r != nil {
		if claim {
			e.lapsed(ctx, r, t)
			return false
		}
		j := jobOf(r, t)
		_, done := e.runJob(ctx, &j)
		return done
	}
	h := e.timerHandlers[t.Kind]
	if h == nil {
		e.log.WarnContext(ctx, "a timer of a kind this engine has no handler for; it stays", "kind", t.Kind, "key", t.Key)
		return false
	}
	id := e.newID()
	if err := h(ctx, conversation.Cause{Kind: conversation.CauseTimer, Name: string(t.Kind), ID: id, Root: id}, t); err != nil {
		e.log.WarnContext(ctx, "a timer failed; it is due again after its lease", "kind", t.Kind, "key", t.Key, "err", err)
		return false
	}
	return true
}

// timeOut closes a conversation idle past its channel's timeout (R7), or
// sets its timer again when a message came since. The timeout of a
// channel this engine does not serve is left to the engine that does.
func (e *Engine) timeOut(ctx context.Context, cause conversation.Cause, t store.ClaimedTimer) error {
	_, err := e.runAs(ctx, "time out", conversation.System(), cause, func(tx store.Tx, s *step) error {
		c, err := tx.Conversation(ctx, t.Workspace, conversation.ID(t.Key))
		if errors.Is(err, store.ErrNotFound) {
			_, err = tx.DeleteTimerAt(ctx, t.Kind, t.Workspace, t.Key, t.Lease)
			return err
		} else if err != nil {
			return err
		}
		b, err := s.channel(ctx, tx, c.Workspace, c.Channel)
		if err != nil {
			return err // not served here: due again after the lease
		}
		timeout := b.cfg.Settings.MessageTimeout
		if ch, ok := conversation.TimeOut(&c, timeout, s.now()); ok {
			return s.add(ctx, tx, &ch) // closed, and its timer cleared with it
		}
		if tc, ok := conversation.TimeoutTimer(&c, timeout); ok {
			return s.timer(ctx, tx, tc) // a message came since: set again; closed: cleared
		}
		_, err = tx.DeleteTimerAt(ctx, t.Kind, t.Workspace, t.Key, t.Lease) // the channel no longer times out
		return err
	})
	return err
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
		if p, ok := e.store.(store.TimerPeeker); ok {
			if next, ok, err := p.NextTimer(ctx); err == nil && ok {
				wait = min(max(next.Sub(e.now()), 0), timerPoll)
			}
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
