package contactcenter_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

// countingStore counts write transactions and event drains.
type countingStore struct {
	store.Store
	updates, drains atomic.Int64
}

func (s *countingStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	s.updates.Add(1)
	return s.Store.Update(ctx, fn)
}

func (s *countingStore) DrainEvents(ctx context.Context, max int, fn func(context.Context, []conversation.Event) (int, error)) (int, error) {
	s.drains.Add(1)
	return s.Store.DrainEvents(ctx, max, fn)
}

// A first message with a welcome, an out-of-hours message and least-busy
// assignment: the message, the automatic messages and the assignment's job,
// with the claim of its key, commit in one transaction; the assignment
// reaction makes one more (its step, which deletes the job and the claim),
// the two sends two each (claim and outcome). The events of the message and
// of its assignment go out in one drain. BENCHMARKS.md gives the figures
// before and after.
func TestFirstMessageCost(t *testing.T) {
	cs := &countingStore{Store: memory.New()}
	f := newFixtureOn(t, cs, fullCaps)
	withOutOfHours(t, f)
	s := channel.Settings{MessageTimeout: 24 * time.Hour, Welcome: "welcome",
		OutOfHours: channel.OutOfHours{Template: "closed", Hours: officeHours()}}
	s.Assignment.Strategy = "least_busy"
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot", Settings: s}, Transport: f.tr, By: conversation.Host()}))
	f.clock.Advance(-8 * time.Hour) // Monday 02:00 in Madrid: closed
	cs.updates.Store(0)
	cs.drains.Store(0)
	f.rec.take() // the configuration's events
	r := f.say(t, "c2", "en", "u1", "hello")
	require.Len(t, r.Automatic, 2)
	assert.NotEmpty(t, r.Conversation.Assignee, "assigned before Receive returns")
	for _, m := range r.Automatic {
		assert.Equal(t, conversation.DeliverySent, m.Delivery)
	}
	assert.EqualValues(t, 6, cs.updates.Load(), "write transactions: receive 1, assignment 1, two sends 2 each (7 before)")
	assert.EqualValues(t, 3, cs.drains.Load(), "drains: message and assignment 1, each send's outcome 1 (5 before)")
	evs := f.rec.take()
	assert.Equal(t, []conversation.EventType{conversation.EventTicketOpened, conversation.EventConversationOpened, conversation.EventMessageReceived,
		conversation.EventMessageQueued, conversation.EventMessageQueued, conversation.EventConversationAssigned,
		conversation.EventMessageSent, conversation.EventMessageSent}, types(evs))
}

// Every event carries its actor and its cause; a chain of two reactions
// is followed from the command that began it: the contact's message opens
// a conversation (depth 0), a triage reaction raises the ticket's priority
// (depth 1), a second reaction assigns it to a supervisor (depth 2), all
// with the message's cause as their root.
func TestReactionChain(t *testing.T) {
	rec := &recorder{}
	var triaged, routed atomic.Int32
	var eng *contactcenter.Engine
	cfg := contactcenter.Config{Store: memory.New(), Now: (&clock{now: t0}).Now, NewID: contactcenter.SequentialIDs("id"), Publish: rec.publish,
		Reactions: []contactcenter.Reaction{
			{
				Name: "triage",
				Key: func(e conversation.Event) (string, bool) {
					return string(e.Conversation), e.Type == conversation.EventConversationOpened
				},
				React: func(ctx context.Context, j contactcenter.Job) error {
					triaged.Add(1)
					c, err := eng.Conversation(ctx, j.Workspace, conversation.ID(j.Key))
					if err != nil {
						return err
					}
					_, err = eng.SetPriority(ctx, contactcenter.Prioritizing{Workspace: j.Workspace, Ticket: c.Ticket, Priority: ticket.PriorityHigh, By: conversation.AsBot("triage")})
					return err
				},
			},
			{
				Name: "route",
				Key: func(e conversation.Event) (string, bool) {
					return string(e.Conversation), e.Type == conversation.EventTicketPriority
				},
				React: func(ctx context.Context, j contactcenter.Job) error {
					routed.Add(1)
					cause, ok := contactcenter.CauseOf(ctx)
					if !ok || cause.Kind != conversation.CauseReaction || cause.Name != "route" || cause.Depth != j.Event.Cause.Depth+1 {
						return errors.New("route: a context without its cause")
					}
					_, err := eng.Assign(ctx, contactcenter.Assignment{Workspace: j.Workspace, Conversation: conversation.ID(j.Key), To: "sol", By: conversation.Host()})
					return err
				},
			},
		}}
	var err error
	eng, err = contactcenter.New(cfg)
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
	_, err = eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "sol", Workspace: ws, Name: "Sol", Role: conversation.RoleSupervisor, Presence: conversation.Online}, By: conversation.Host()})
	require.NoError(t, err)
	rec.take()

	r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c1"}, Text: "urgent!"})
	require.NoError(t, err)
	assert.EqualValues(t, 1, triaged.Load())
	assert.EqualValues(t, 1, routed.Load())
	c, err := eng.Conversation(bg, ws, r.Conversation.ID)
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("sol"), c.Assignee, "the chain ran before Receive returned")
	assert.Equal(t, ticket.PriorityHigh, c.Priority)

	evs := rec.take()
	byType := map[conversation.EventType]conversation.Event{}
	for _, e := range evs {
		require.NotZero(t, e.Actor.Kind, "event %s without actor", e.Type)
		require.NotZero(t, e.Cause.Kind, "event %s without cause", e.Type)
		require.NotEmpty(t, e.Cause.ID)
		byType[e.Type] = e
	}
	opened, prio, assigned := byType[conversation.EventConversationOpened], byType[conversation.EventTicketPriority], byType[conversation.EventConversationAssigned]
	assert.Equal(t, conversation.CauseCommand, opened.Cause.Kind)
	assert.Equal(t, "receive", opened.Cause.Name)
	assert.Equal(t, 0, opened.Cause.Depth)
	assert.Equal(t, opened.Cause.ID, opened.Cause.Root)
	assert.Equal(t, conversation.ActorContact, opened.Actor.Kind)
	assert.Equal(t, string(r.Contact.ID), opened.Actor.ID)

	assert.Equal(t, conversation.Cause{Kind: conversation.CauseReaction, Name: "triage", ID: prio.Cause.ID, Root: opened.Cause.ID, Depth: 1}, prio.Cause)
	assert.Equal(t, conversation.AsBot("triage"), prio.Actor)
	assert.Equal(t, conversation.Cause{Kind: conversation.CauseReaction, Name: "route", ID: assigned.Cause.ID, Root: opened.Cause.ID, Depth: 2}, assigned.Cause)
	assert.Equal(t, conversation.Host(), assigned.Actor)
	assert.NotEqual(t, prio.Cause.ID, assigned.Cause.ID)
	// The events of one step share its cause.
	assert.Equal(t, opened.Cause, byType[conversation.EventMessageReceived].Cause)

	// Nothing is left to run.
	n, err := eng.FireTimers(bg)
	require.NoError(t, err)
	assert.Zero(t, n)
}

// A reaction is durable: when it fails (or its process stops) after the
// event committed, its job stays and runs again, here on another engine on
// the same store, once its grace has passed; then it is gone.
func TestReactionIsDurable(t *testing.T) {
	st := memory.New()
	clk := &clock{now: t0}
	var first, second atomic.Int32
	newEngine := func(calls *atomic.Int32, fail bool) *contactcenter.Engine {
		eng, err := contactcenter.New(contactcenter.Config{Store: st, Now: clk.Now,
			Reactions: []contactcenter.Reaction{{
				Name: "greet",
				Key: func(e conversation.Event) (string, bool) {
					return string(e.Conversation), e.Type == conversation.EventConversationOpened
				},
				React: func(ctx context.Context, j contactcenter.Job) error {
					calls.Add(1)
					if fail {
						return errors.New("the process is going down")
					}
					if j.Event.Type != conversation.EventConversationOpened || j.Event.Conversation != conversation.ID(j.Key) {
						return errors.New("the job lost its event")
					}
					return nil
				},
			}}})
		require.NoError(t, err)
		require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
		return eng
	}
	a := newEngine(&first, true)
	_, err := a.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c1"}, Text: "hi"})
	require.NoError(t, err)
	assert.EqualValues(t, 1, first.Load())

	b := newEngine(&second, false)
	n, err := b.FireTimers(bg)
	require.NoError(t, err)
	assert.Zero(t, n, "the job waits its grace for the engine that stored it")
	clk.Advance(contactcenter.ReactionGrace + time.Second)
	n, err = b.FireTimers(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.EqualValues(t, 1, second.Load())
	clk.Advance(2 * time.Minute)
	n, err = b.FireTimers(bg)
	require.NoError(t, err)
	assert.Zero(t, n, "done: the job is gone")
	assert.EqualValues(t, 1, second.Load())
}

// Reactions and timer kinds are checked when the engine is made.
func TestReactionsAndTimersValidated(t *testing.T) {
	key := func(conversation.Event) (string, bool) { return "", false }
	react := func(context.Context, contactcenter.Job) error { return nil }
	handler := func(context.Context, conversation.Timer) error { return nil }
	for name, cfg := range map[string]contactcenter.Config{
		"reaction without name":      {Reactions: []contactcenter.Reaction{{Key: key, React: react}}},
		"reaction without React":     {Reactions: []contactcenter.Reaction{{Name: "x", Key: key}}},
		"two reactions, one name":    {Reactions: []contactcenter.Reaction{{Name: "x", Key: key, React: react}, {Name: "x", Key: key, React: react}}},
		"the engine's reaction":      {Reactions: []contactcenter.Reaction{{Name: "assign", Key: key, React: react}}},
		"the engine's timer kind":    {Timers: map[conversation.TimerKind]contactcenter.TimerHandler{conversation.TimerTimeout: handler}},
		"a reaction's timer kind":    {Timers: map[conversation.TimerKind]contactcenter.TimerHandler{"reaction.x": handler}},
		"a reaction claim's kind":    {Timers: map[conversation.TimerKind]contactcenter.TimerHandler{"claim.reaction.x": handler}},
		"timer kind without handler": {Timers: map[conversation.TimerKind]contactcenter.TimerHandler{"crm.x": nil}},
	} {
		cfg.Store = memory.New()
		_, err := contactcenter.New(cfg)
		assert.ErrorIs(t, err, contactcenter.ErrInvalid, name)
	}
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), Timers: map[conversation.TimerKind]contactcenter.TimerHandler{"crm.x": handler}})
	require.NoError(t, err)
	for name, tm := range map[string]conversation.Timer{
		"the engine's kind": {Kind: conversation.TimerTimeout, Workspace: ws, Key: "c1", Due: t0},
		"unknown kind":      {Kind: "crm.y", Workspace: ws, Key: "k", Due: t0},
		"no key":            {Kind: "crm.x", Workspace: ws, Due: t0},
		"no due time":       {Kind: "crm.x", Workspace: ws, Key: "k"},
		"payload too big":   {Kind: "crm.x", Workspace: ws, Key: "k", Due: t0, Payload: make([]byte, conversation.MaxTimerPayload+1)},
	} {
		assert.ErrorIs(t, eng.SetTimer(bg, contactcenter.TimerSetting{Timer: tm, By: conversation.Host()}), contactcenter.ErrInvalid, name)
	}
	_, err = eng.Timer(bg, "crm.x", ws, "k")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "nothing was set")
}

// Host API without traps: a command needs an actor; retries that ran out
// are told apart from a state that forbids the change.
func TestCommandsNeedAnActor(t *testing.T) {
	f := newFixture(t)
	r := f.write(t, "c1", "u1", "hola")
	before := f.conversation(t, r.Conversation.ID)
	_, err := f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: r.Conversation.ID, To: "ana"})
	assert.ErrorIs(t, err, contactcenter.ErrInvalid, "no actor")
	_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: r.Conversation.ID})
	assert.ErrorIs(t, err, contactcenter.ErrInvalid, "no actor")
	_, err = f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: r.Conversation.ID, To: "ana", By: conversation.AsAgent("nobody")})
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "an agent the workspace does not have")
	assert.Equal(t, before, f.conversation(t, r.Conversation.ID), "nothing changed")

	got, err := f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: r.Conversation.ID, To: "ana", By: conversation.AsAgent("bruno")})
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("ana"), got.Assignee, "To is who gets it, By who assigns")
	evs := f.rec.take()
	last := evs[len(evs)-1]
	assert.Equal(t, conversation.EventConversationAssigned, last.Type)
	assert.Equal(t, conversation.AgentID("ana"), last.Agent)
	assert.Equal(t, conversation.AsAgent("bruno"), last.Actor)

	_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: r.Conversation.ID, By: conversation.Host()})
	require.NoError(t, err)
	_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: r.Conversation.ID, By: conversation.Host()})
	assert.ErrorIs(t, err, contactcenter.ErrConflict, "the state forbids it")
	assert.Equal(t, contactcenter.CodeConflict, contactcenter.ErrorCode(err))
}

// alwaysConflicting fails every write transaction with store.ErrConflict.
type alwaysConflicting struct{ store.Store }

func (s alwaysConflicting) Update(context.Context, func(store.Tx) error) error {
	return store.ErrConflict
}

func TestRetriesRanOut(t *testing.T) {
	f := newFixture(t)
	r := f.write(t, "c1", "u1", "hola")
	eng, err := contactcenter.New(contactcenter.Config{Store: alwaysConflicting{f.store}, MaxAttempts: 3})
	require.NoError(t, err)
	require.NoError(t, eng.PutTransport(channel.KindTelegram, "bot", f.tr), "the channel is stored; the engine needs its transport")
	_, err = eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: r.Conversation.ID, To: "ana", By: conversation.Host()})
	assert.ErrorIs(t, err, contactcenter.ErrContention)
	assert.Equal(t, contactcenter.CodeContention, contactcenter.ErrorCode(err))
	assert.NotErrorIs(t, err, contactcenter.ErrConflict)
	assert.ErrorIs(t, err, store.ErrConflict, "the cause is kept")
}

// Engine.Message reads a message by id; PutChannel replaces a channel,
// and a refused one leaves the configuration in place.
func TestMessageAndPutChannel(t *testing.T) {
	f := newFixture(t)
	r := f.write(t, "c1", "u1", "hola")
	m, err := f.eng.Message(bg, ws, r.Message.ID)
	require.NoError(t, err)
	assert.Equal(t, "hola", m.Text)
	_, err = f.eng.Message(bg, ws, "nope")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound)
	assert.ErrorIs(t, err, conversation.ErrMessageNotFound)

	bad := channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Welcome: "no-such-template"}}
	assert.ErrorIs(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: bad, Transport: f.tr, By: conversation.Host()}), contactcenter.ErrInvalid)
	r2 := f.write(t, "c2", "u2", "hola")
	assert.Empty(t, r2.Automatic, "the channel as it was: no welcome")

	// A put that passes replaces the channel: new conversations get its
	// welcome now.
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "hello", template.Variant{Language: "en", Text: "Welcome!"}), By: conversation.Host()}))
	good := bad
	good.Settings.Welcome = "hello"
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: good, Transport: f.tr, By: conversation.Host()}))
	r3 := f.write(t, "c3", "u3", "hola")
	require.Len(t, r3.Automatic, 1, "the channel as put")
	assert.Equal(t, "Welcome!", r3.Automatic[0].Text)
}

// R16: a reaction that starts itself ends: an event whose cause is
// MaxReactionDepth deep starts no reaction, so a reaction that answers each
// priority change with another runs once per level and stops.
func TestReactionLoopEnds(t *testing.T) {
	rec := &recorder{}
	var runs atomic.Int32
	var eng *contactcenter.Engine
	var err error
	eng, err = contactcenter.New(contactcenter.Config{Store: memory.New(), Now: (&clock{now: t0}).Now, Publish: rec.publish,
		Reactions: []contactcenter.Reaction{{
			Name: "flip",
			Key: func(e conversation.Event) (string, bool) {
				return string(e.Ticket), e.Type == conversation.EventTicketPriority
			},
			React: func(ctx context.Context, j contactcenter.Job) error {
				runs.Add(1)
				tk, err := eng.Ticket(ctx, j.Workspace, ticket.ID(j.Key))
				if err != nil {
					return err
				}
				p := ticket.PriorityHigh
				if tk.Priority == ticket.PriorityHigh {
					p = ticket.PriorityNormal
				}
				_, err = eng.SetPriority(ctx, contactcenter.Prioritizing{Workspace: j.Workspace, Ticket: tk.ID, Priority: p, By: conversation.AsWorkflow("flip")})
				return err
			},
		}}})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
	r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c1"}, Text: "hi"})
	require.NoError(t, err)
	rec.take()
	_, err = eng.SetPriority(bg, contactcenter.Prioritizing{Workspace: ws, Ticket: r.Conversation.Ticket, Priority: ticket.PriorityHigh, By: conversation.Host()})
	require.NoError(t, err)
	// Each level's job has the key of the one that runs it: it runs next,
	// in the background.
	require.Eventually(t, func() bool { return runs.Load() >= contactcenter.MaxReactionDepth }, 10*time.Second, time.Millisecond)
	require.NoError(t, eng.Close())
	assert.EqualValues(t, contactcenter.MaxReactionDepth, runs.Load(), "one run per level, then none")
	var depths []int
	for _, e := range rec.take() {
		if e.Type == conversation.EventTicketPriority {
			depths = append(depths, e.Cause.Depth)
		}
	}
	require.Len(t, depths, contactcenter.MaxReactionDepth+1)
	for i, d := range depths {
		assert.Equal(t, i, d, "priority event %d", i)
	}
	n, err := eng.FireTimers(bg)
	require.NoError(t, err)
	assert.Zero(t, n, "no job left")
}
