package contactcenter

import (
	"context"
	"errors"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// A command, a reaction and a timer each run as steps. A step is one
// transaction in the shape of etcd's raft Ready/Advance: the step's
// function loads what it needs, asks the domain for a decision and adds
// the resulting conversation.Change to the step (add), which writes it in
// the transaction with its events and its durable effects: the timers it
// sets or clears, R7's timeout of every conversation it writes, and a job
// for each reaction one of its events starts. Once the transaction has
// committed, advance carries out the rest from this one place: it runs the
// reactions' jobs, publishes the events, and sends the messages the step
// stored pending (R18). Nothing is called after a command by hand.
type step struct {
	e     *Engine
	op    string
	actor conversation.Actor
	cause conversation.Cause

	// What the committed step leaves to advance.
	send   []conversation.Message // outbound messages stored pending
	jobs   []job                  // reactions started
	events int                    // events stored
	timers bool                   // timers set: the scheduler looks again

	// waitSend: advance waits for a send slot for each message (a reply,
	// whose result shows the first attempt) rather than leaving what finds
	// no free slot to Run.
	waitSend bool
	// quiet: the step records deliveries; its messages are not sent again.
	quiet bool
	// cfg is the configuration of the workspace the step read in its
	// transaction, if it did: what the step's decisions use.
	cfg *wsConfig
	// writing is the change add is emitting the events of: the
	// workflows its events start read what it writes from it.
	writing *conversation.Change
	// loader loads the snapshot of the event workflowsOn tests.
	loader snapLoader
	// runs are the workflow runs the step started or resumed (R16).
	runs []runRef
	// previous holds the fields of the contacts the step wrote, as they
	// were before, for the workflows triggered by field changes.
	previous map[ticket.ContactID]map[string]string
}

// reset empties the step before an attempt of its transaction.
func (s *step) reset() {
	s.send = s.send[:0]
	s.jobs = s.jobs[:0]
	s.events = 0
	s.timers = false
	s.cfg = nil
	s.runs = s.runs[:0]
	s.previous = nil
}

// channel returns channel id of workspace ws for the step, from its
// configuration (step.config), read again exactly when that copy has not
// got it, so that a channel just stored elsewhere is found.
func (s *step) channel(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, id channel.ID) (*boundChannel, error) {
	c, err := s.config(ctx, tx, ws)
	if err != nil {
		return nil, err
	}
	b, err := c.channel(id)
	if errors.Is(err, channel.ErrNotFound) {
		if c, err = s.e.config(ctx, tx, ws, true); err != nil {
			return nil, err
		}
		s.cfg = c
		return c.channel(id)
	}
	return b, err
}

// config returns workspace ws's configuration for the step: the one it
// read in tx, else the engine's copy checked within configRecheck (read
// in tx if not), which the step keeps.
func (s *step) config(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID) (*wsConfig, error) {
	if s.cfg != nil && s.cfg.ws == ws {
		return s.cfg, nil
	}
	c, err := s.e.config(ctx, tx, ws, false)
	if err != nil {
		return nil, err
	}
	s.cfg = c
	return c, nil
}

// causeKey carries the cause of the reaction or timer a call of the
// engine is made for, so that the events of the commands a reaction or a
// timer handler makes carry its cause.
type causeKey struct{}

// withCause returns ctx carrying cause c.
func withCause(ctx context.Context, c conversation.Cause) context.Context {
	return context.WithValue(ctx, causeKey{}, c)
}

// causeOf returns the cause of a step of operation op made with ctx: the
// reaction's or timer's that ctx carries, or else a new command's.
func causeOf(ctx context.Context, op string) conversation.Cause {
	if c, ok := ctx.Value(causeKey{}).(conversation.Cause); ok {
		return c
	}
	return conversation.Cause{Kind: conversation.CauseCommand, Name: op}
}

// CauseOf returns the cause that ctx carries: in a Reaction's React and a
// TimerHandler, the cause the events of the engine's calls made with ctx
// will carry. ok is false for any other context.
func CauseOf(ctx context.Context) (c conversation.Cause, ok bool) {
	c, ok = ctx.Value(causeKey{}).(conversation.Cause)
	return c, ok
}

// exec runs fn in a store transaction as one step of operation op, made by
// actor by, again while concurrent changes collide, and returns the
// committed step. It does not advance it.
func (e *Engine) exec(ctx context.Context, op string, by conversation.Actor, fn func(tx store.Tx, s *step) error) (*step, error) {
	return e.execAs(ctx, op, by, causeOf(ctx, op), fn)
}

// execAs is exec with the step's cause given.
func (e *Engine) execAs(ctx context.Context, op string, by conversation.Actor, cause conversation.Cause, fn func(tx store.Tx, s *step) error) (*step, error) {
	s := &step{e: e, op: op, actor: conversation.Actor{Kind: by.Kind, ID: by.ID}, cause: cause}
	err := e.apply(ctx, op, func(tx store.Tx) error {
		s.reset()
		return fn(tx, s)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// run is exec, then advance.
func (e *Engine) run(ctx context.Context, op string, by conversation.Actor, fn func(tx store.Tx, s *step) error) (*step, error) {
	return e.runAs(ctx, op, by, causeOf(ctx, op), fn)
}

// runAs is run with the step's cause given.
func (e *Engine) runAs(ctx context.Context, op string, by conversation.Actor, cause conversation.Cause, fn func(tx store.Tx, s *step) error) (*step, error) {
	s, err := e.execAs(ctx, op, by, cause, fn)
	if err != nil {
		return nil, err
	}
	e.advance(ctx, s)
	return s, nil
}

// deferKey marks the context of the reactions advance runs: the steps
// they make leave publishing to that advance, which publishes the events
// of the step and of its reactions in one drain.
type deferKey struct{}

// plainContext is a context without the engine's own values (a reaction's
// or timer's cause, a deferred publication): what the host's Publish gets,
// so that the calls it makes are commands of their own.
type plainContext struct{ context.Context }

// Value returns nil for the engine's keys and the wrapped context's value
// for any other.
func (c plainContext) Value(key any) any {
	switch key.(type) {
	case causeKey, deferKey:
		return nil
	}
	return c.Context.Value(key)
}

// advance carries out what the committed step s left to do: the reactions
// its events started (R11's automatic assignment and the host's), then the
// publication of the events (R17), then the start of the reactions left to
// the background (a bot's turn, R2), then the sends of the messages it
// stored pending (R18). A failure of any is logged and left to the
// background work that catches up with it: a job stays stored and is due
// again, events stay stored, a pending message stays pending.
func (e *Engine) advance(ctx context.Context, s *step) {
	if s.timers {
		e.kickTimers()
	}
	published := s.events > 0
	if len(s.runs) > 0 {
		// Before the reactions: a workflow that routes a new conversation
		// does so before automatic assignment takes it.
		e.driveRuns(context.WithValue(ctx, deferKey{}, true), s.runs)
		published = true
	}
	async := false
	if len(s.jobs) > 0 {
		jctx := context.WithValue(ctx, deferKey{}, true)
		for i := range s.jobs {
			if s.jobs[i].r.async {
				async = true
				continue
			}
			if stored, _ := e.runJob(jctx, &s.jobs[i]); stored {
				published = true
			}
		}
	}
	if published && ctx.Value(deferKey{}) == nil {
		_ = e.publishEvents(ctx) // failures are logged; the change is committed
	}
	if async {
		// The jobs left to the background (a bot's turn, R2) start after
		// the command's publication: where the command publishes its own
		// events, they are out first, and the jobs' drains do not meet
		// the command's, which would leave both to the background
		// publisher's pace. (A command whose publication an outer one
		// makes, or that leaves it to a drain under way, starts them at
		// once; their events follow the command's in any case, R17.)
		for i := range s.jobs {
			if s.jobs[i].r.async {
				e.runJobAsync(ctx, s.jobs[i])
			}
		}
	}
	for i := range s.send {
		if s.waitSend {
			s.send[i], _ = e.deliver(ctx, s.send[i])
		} else {
			s.send[i], _ = e.deliverIfFree(ctx, s.send[i])
		}
	}
}

// sent returns the message with id as advance left it: after its first
// attempt, or as stored when it was left to Run.
func (s *step) sent(id conversation.MessageID) (conversation.Message, bool) {
	for _, m := range s.send {
		if m.ID == id {
			return m, true
		}
	}
	return conversation.Message{}, false
}

// add writes ch in tx: its objects, its timers and R7's timeout of each
// conversation it writes, its events, stamped with the step's actor and
// cause, and a job for each reaction an event starts. The messages it
// stores pending for the channel are sent once the step commits.
func (s *step) add(ctx context.Context, tx store.Tx, ch *conversation.Change) error {
	switch ch.ContactWrite {
	case conversation.Create:
		if err := tx.CreateContact(ctx, ch.Contact, ch.ContactChannel, ch.ContactExternalID); err != nil {
			return err
		}
	case conversation.Update:
		if err := s.keepPrevious(ctx, tx, ch); err != nil {
			return err
		}
		if err := tx.UpdateContact(ctx, ch.Contact); err != nil {
			return err
		}
	}
	switch ch.TicketWrite {
	case conversation.Create:
		if err := tx.CreateTicket(ctx, ch.Ticket); err != nil {
			return err
		}
	case conversation.Update:
		if err := tx.UpdateTicket(ctx, ch.Ticket); err != nil {
			return err
		}
	}
	if ch.PreviousWrite == conversation.Update {
		if err := tx.UpdateConversation(ctx, ch.Previous); err != nil {
			return err
		}
	}
	switch ch.ConversationWrite {
	case conversation.Create:
		if err := tx.CreateConversation(ctx, ch.Conversation); err != nil {
			return err
		}
	case conversation.Update:
		if err := tx.UpdateConversation(ctx, ch.Conversation); err != nil {
			return err
		}
	}
	switch ch.MessageWrite {
	case conversation.Create:
		if err := tx.CreateMessage(ctx, ch.Message); err != nil {
			return err
		}
	case conversation.Update:
		if err := tx.UpdateMessage(ctx, ch.Message); err != nil {
			return err
		}
	}
	if ch.MessageWrite != conversation.Keep {
		s.toSend(&ch.Message)
	}
	if ch.AnswerWrite == conversation.Create {
		if err := tx.CreateMessage(ctx, ch.Answer); err != nil {
			return err
		}
		s.toSend(&ch.Answer)
	}
	for i := range ch.Automatic() {
		m := &ch.Automatic()[i]
		if err := tx.CreateMessage(ctx, *m); err != nil {
			return err
		}
		s.toSend(m)
	}
	for i := range ch.Agents {
		if err := tx.PutAgent(ctx, ch.Agents[i]); err != nil {
			return err
		}
	}
	if ch.PreviousWrite != conversation.Keep {
		if err := s.timeout(ctx, tx, &ch.Previous); err != nil {
			return err
		}
	}
	if ch.ConversationWrite != conversation.Keep {
		if err := s.timeout(ctx, tx, &ch.Conversation); err != nil {
			return err
		}
	}
	for i := range ch.Timers {
		if err := s.timer(ctx, tx, ch.Timers[i]); err != nil {
			return err
		}
	}
	if err := s.workflowClocks(ctx, tx, ch); err != nil {
		return err
	}
	evs := ch.Events()
	s.writing = ch
	defer func() { s.writing = nil }()
	for i := range evs {
		if err := s.emit(ctx, tx, &evs[i]); err != nil {
			return err
		}
	}
	return nil
}

// toSend notes m for sending after the commit if it is an outbound
// message the channel has yet to take.
func (s *step) toSend(m *conversation.Message) {
	if s.quiet || m.Direction != conversation.ToContact || m.Delivery != conversation.DeliveryPending {
		return
	}
	s.send = append(s.send, *m)
}

// timeout keeps conversation c's timeout timer in line with it (R7), and
// deletes the bot session of a conversation a bot held once it closes
// (R2): a closed conversation takes no turn.
func (s *step) timeout(ctx context.Context, tx store.Tx, c *conversation.Conversation) error {
	if c.State == conversation.Closed && c.Bot != "" {
		if err := tx.DeleteTimer(ctx, timerBotSession, c.Workspace, string(c.ID)); err != nil {
			return err
		}
	}
	cfg, err := s.config(ctx, tx, c.Workspace)
	if err != nil {
		return err
	}
	b, err := cfg.channel(c.Channel)
	if err != nil {
		return nil // a channel this engine does not serve: the one that does sets it
	}
	tc, ok := conversation.TimeoutTimer(c, b.cfg.Settings.MessageTimeout)
	if !ok {
		return nil
	}
	return s.timer(ctx, tx, tc)
}

// timer sets or clears a timer in tx.
func (s *step) timer(ctx context.Context, tx store.Tx, tc conversation.TimerChange) error {
	if tc.Clear {
		return tx.DeleteTimer(ctx, tc.Kind, tc.Workspace, tc.Key)
	}
	if err := tc.Validate(); err != nil {
		return err
	}
	s.timers = true
	return tx.SetTimer(ctx, tc.Timer)
}

// identify gives the step's cause its ID, and a command's its Root, when
// the step first needs them.
func (s *step) identify() {
	if s.cause.ID == "" {
		s.cause.ID = s.e.newID()
		if s.cause.Root == "" {
			s.cause.Root = s.cause.ID
		}
	}
}

// emit stores event ev in tx with the step's actor and cause, which it
// sets on ev, and starts the reactions it calls for.
func (s *step) emit(ctx context.Context, tx store.Tx, ev *conversation.Event) error {
	s.identify()
	ev.Actor, ev.Cause = s.actor, s.cause
	if !configEvent(ev.Type) {
		// The reactions' keys read it. A step that changes the
		// configuration does not read it: its copy would hold what the
		// transaction has not committed yet.
		if _, err := s.config(ctx, tx, ev.Workspace); err != nil {
			return err
		}
	}
	if err := tx.AppendEvent(ctx, *ev); err != nil {
		return err
	}
	s.events++
	if err := s.e.startReactions(ctx, tx, s, ev); err != nil {
		return err
	}
	if configEvent(ev.Type) {
		return nil
	}
	return s.workflowsOn(ctx, tx, ev)
}

// now returns the engine's time.
func (s *step) now() time.Time { return s.e.now() }

// actorFor resolves who acts for a command in workspace ws: an agent is
// loaded, for their workspace and role (CodeNotFound for an agent the
// workspace does not have); every other kind is taken as it is. An actor of
// no kind fails with CodeInvalid: no meaning hides in a zero value.
func actorFor(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, by conversation.Actor) (conversation.Actor, error) {
	if err := by.Validate(); err != nil {
		return by, err
	}
	if by.Kind != conversation.ActorAgent {
		return by, nil
	}
	a, err := loadAgent(ctx, tx, ws, by.Agent())
	if err != nil {
		return by, err
	}
	return conversation.By(a), nil
}

// decideOn is the step of a command on one object of workspace ws, made
// by actor by: load reads the object, the actor is resolved (actorFor),
// decide returns the Change, which the step stores. It returns the object
// as the step left it (written(ch) when the Change writes, else as loaded)
// and the committed step.
func decideOn[T any](e *Engine, ctx context.Context, op string, ws ticket.WorkspaceID, by conversation.Actor,
	load func(tx store.Tx) (T, error),
	decide func(tx store.Tx, obj *T, who conversation.Actor, now time.Time) (conversation.Change, error),
	written func(ch *conversation.Change) T) (T, *step, error) {
	var out T
	s, err := e.run(ctx, op, by, func(tx store.Tx, s *step) error {
		obj, err := load(tx)
		if err != nil {
			return err
		}
		who, err := actorFor(ctx, tx, ws, by)
		if err != nil {
			return err
		}
		ch, err := decide(tx, &obj, who, e.now())
		if err != nil {
			return err
		}
		out = obj
		if ch.Empty() {
			return nil
		}
		out = written(&ch)
		return s.add(ctx, tx, &ch)
	})
	if err != nil {
		var zero T
		return zero, nil, err
	}
	return out, s, nil
}
