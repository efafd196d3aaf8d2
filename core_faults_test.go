package contactcenter_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
)

// armedConflicts fails its next Updates with store.ErrConflict, as many
// as left says.
type armedConflicts struct {
	store.Store
	left atomic.Int64
}

func (s *armedConflicts) Update(ctx context.Context, fn func(store.Tx) error) error {
	if s.left.Add(-1) >= 0 {
		return store.ErrConflict
	}
	return s.Store.Update(ctx, fn)
}

// R18: recording a send's outcome that collides MaxAttempts times
// (CodeContention) is tried again, not given up: the claim does not lapse
// and the message goes out once.
func TestRecordOutcomeThroughContention(t *testing.T) {
	st := &armedConflicts{Store: memory.New()}
	clk := &clock{now: t0}
	tr := channel.NewMemoryTransport(fullCaps)
	eng, err := contactcenter.New(contactcenter.Config{Store: st, Now: clk.Now, MaxAttempts: 3, NewID: contactcenter.SequentialIDs("id")})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: tr, By: conversation.Host()}))
	_, err = eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws, Name: "Ana", Presence: conversation.Online}, By: conversation.Host()})
	require.NoError(t, err)
	r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c1"}, Text: "hi"})
	require.NoError(t, err)
	tr.OnSend(func(channel.Outgoing) { st.left.Store(3) }) // the record collides 3 times
	m, err := eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: r.Conversation.ID, Agent: "ana", Text: "hello"})
	require.NoError(t, err)
	tr.OnSend(nil)
	t.Logf("after reply: delivery=%v", m.Delivery)
	clk.Advance(time.Minute) // the claim lapses
	_, err = eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Len(t, tr.Sent(), 1, "the reply went out %d times", len(tr.Sent()))
}

// Publish gets a context without the cause of the reaction or timer whose
// events it publishes: what the host calls from it is a command of its own.
func TestPublishGetsNoCause(t *testing.T) {
	var eng *contactcenter.Engine
	var mu sync.Mutex
	var causes []conversation.Cause
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(),
		Publish: func(ctx context.Context, e conversation.Event) error {
			if c, ok := contactcenter.CauseOf(ctx); ok {
				mu.Lock()
				causes = append(causes, c)
				mu.Unlock()
			}
			return nil
		},
		Timers: map[conversation.TimerKind]contactcenter.TimerHandler{"crm.x": func(ctx context.Context, t conversation.Timer) error {
			_, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: "zed", Workspace: ws, Name: "Z", Presence: conversation.Online}, By: conversation.Host()})
			return err
		}}})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
	require.NoError(t, eng.SetTimer(bg, contactcenter.TimerSetting{Timer: conversation.Timer{Kind: "crm.x", Workspace: ws, Key: "k", Due: time.Now().Add(-time.Second)}, By: conversation.Host()}))
	_, err = eng.FireTimers(bg)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, causes, "Publish saw a context carrying cause(s) %+v", causes)
}

// The calls a timer handler makes share the timer's cause: one ID, one
// Root, for one firing.
func TestTimerCauseSharedByItsCalls(t *testing.T) {
	var eng *contactcenter.Engine
	rec := &recorder{}
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), Publish: rec.publish,
		Timers: map[conversation.TimerKind]contactcenter.TimerHandler{"crm.x": func(ctx context.Context, t conversation.Timer) error {
			if _, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: "a1", Workspace: ws, Name: "A", Presence: conversation.Online}, By: conversation.Host()}); err != nil {
				return err
			}
			_, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: "a2", Workspace: ws, Name: "B", Presence: conversation.Online}, By: conversation.Host()})
			return err
		}}})
	require.NoError(t, err)
	require.NoError(t, eng.SetTimer(bg, contactcenter.TimerSetting{Timer: conversation.Timer{Kind: "crm.x", Workspace: ws, Key: "k", Due: time.Now().Add(-time.Second)}, By: conversation.Host()}))
	_, err = eng.FireTimers(bg)
	require.NoError(t, err)
	evs := rec.take()
	require.Len(t, evs, 2)
	assert.Equal(t, evs[0].Cause.ID, evs[1].Cause.ID, "causes %+v / %+v", evs[0].Cause, evs[1].Cause)
}

// Assignment after a capacity raise, which no event announces, is caused
// by the PutAgent that raised it: its root is that command.
func TestCapacityRaiseCauseHasRoot(t *testing.T) {
	f := newFixture(t)
	s := channel.Settings{}
	s.Assignment.Strategy = "least_busy"
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot", Settings: s}, Transport: f.tr, By: conversation.Host()}))
	for _, a := range []conversation.AgentID{"ana", "bruno", "sol"} {
		ag, err := f.eng.Agent(bg, ws, a)
		require.NoError(t, err)
		ag.Capacity = 1
		_, err = f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: ag, By: conversation.Host()})
		require.NoError(t, err)
	}
	for i := range 4 {
		f.write(t, fmt.Sprint("c", i), fmt.Sprint("u", i), "hi")
	}
	f.rec.take()
	ag, err := f.eng.Agent(bg, ws, "ana")
	require.NoError(t, err)
	ag.Capacity = 2
	_, err = f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: ag, By: conversation.Host()}) // no presence change: tryAssign
	require.NoError(t, err)
	evs := f.rec.take()
	var found bool
	for _, e := range evs {
		if e.Type == conversation.EventConversationAssigned {
			found = true
			t.Logf("cause %+v", e.Cause)
			assert.NotEmpty(t, e.Cause.Root, "assignment after a capacity raise has no root")
		}
	}
	require.True(t, found)
}

// FireTimers claims timers in batches under one lease; once a slow handler
// has outlasted the lease, the timers after it are left to whoever claims
// them next (here another engine), so none is handled twice. (The slow
// handler's own timer may be, as TimerHandler says: a handler returns
// within the lease.)
func TestClaimedTimersPastTheirLeaseAreLeft(t *testing.T) {
	st := memory.New()
	clk := &clock{now: t0}
	var calls sync.Map
	var other *contactcenter.Engine
	var once atomic.Bool
	mk := func() *contactcenter.Engine {
		eng, err := contactcenter.New(contactcenter.Config{Store: st, Now: clk.Now,
			Timers: map[conversation.TimerKind]contactcenter.TimerHandler{"crm.x": func(ctx context.Context, tm conversation.Timer) error {
				n, _ := calls.LoadOrStore(tm.Key, new(atomic.Int32))
				n.(*atomic.Int32).Add(1)
				if once.CompareAndSwap(false, true) {
					clk.Advance(61 * time.Second) // a slow handler (a CRM call)
					_, _ = other.FireTimers(ctx)  // the other engine's loop runs meanwhile
				}
				return nil
			}}})
		require.NoError(t, err)
		return eng
	}
	a := mk()
	other = mk()
	for i := range 3 {
		require.NoError(t, a.SetTimer(bg, contactcenter.TimerSetting{Timer: conversation.Timer{Kind: "crm.x", Workspace: ws, Key: fmt.Sprint("k", i), Due: t0.Add(-time.Duration(3-i) * time.Millisecond)}, By: conversation.Host()}))
	}
	_, err := a.FireTimers(bg)
	require.NoError(t, err)
	for _, k := range []string{"k1", "k2"} {
		n, ok := calls.Load(k)
		require.True(t, ok, "timer %s was handled", k)
		assert.EqualValues(t, 1, n.(*atomic.Int32).Load(), "timer %s handled %d times", k, n.(*atomic.Int32).Load())
	}
	n, _ := a.FireTimers(bg)
	m, _ := other.FireTimers(bg)
	assert.Zero(t, n+m, "nothing is left")
}

// A caller runs its own reaction job and returns: jobs that other commands
// store for the same key while it runs are run after it, in the
// background, rather than by the caller, so no caller is held up by
// others' jobs; Close waits for them.
func TestReactionKeyDoesNotHoldUpItsCaller(t *testing.T) {
	first, second := make(chan struct{}), make(chan struct{})
	var runs atomic.Int32
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(),
		Reactions: []contactcenter.Reaction{{
			Name: "per-workspace",
			Key: func(e conversation.Event) (string, bool) {
				return string(e.Workspace), e.Type == conversation.EventMessageReceived
			},
			React: func(context.Context, contactcenter.Job) error {
				switch runs.Add(1) {
				case 1:
					<-first
				case 2:
					<-second
				}
				return nil
			},
		}}})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
	say := func(contact, ext string) error {
		_, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: ext, From: contactcenter.Sender{ExternalID: contact}, Text: "x"})
		return err
	}
	aDone := make(chan error, 1)
	go func() { aDone <- say("a", "u1") }()
	require.Eventually(t, func() bool { return runs.Load() == 1 }, 5*time.Second, time.Millisecond, "a's reaction runs")
	require.NoError(t, say("b", "u2"), "b's job is left to the run of its key, and b returns")
	close(first)
	select {
	case err := <-aDone:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("a's Receive is held up by b's job")
	}
	require.Eventually(t, func() bool { return runs.Load() == 2 }, 5*time.Second, time.Millisecond, "b's job runs in the background")
	close(second)
	require.NoError(t, eng.Close())
	assert.EqualValues(t, 2, runs.Load())
}

type armedFailures struct {
	store.Store
	left atomic.Int64
}

func (s *armedFailures) Update(ctx context.Context, fn func(store.Tx) error) error {
	if s.left.Add(-1) >= 0 {
		return errors.New("connection lost")
	}
	return s.Store.Update(ctx, fn)
}

// A recording that goes on in the background (the caller left, the store
// failed) lets go of its send slot before the record's reactions run: a
// reaction that sends gets a slot, and Close does not hang.
func TestBackgroundRecordReleasesItsSlot(t *testing.T) {
	st := &armedFailures{Store: memory.New()}
	tr := channel.NewMemoryTransport(fullCaps)
	var eng *contactcenter.Engine
	var reacted atomic.Bool
	eng, err := contactcenter.New(contactcenter.Config{Store: st,
		Reactions: []contactcenter.Reaction{{Name: "ack",
			Key: func(e conversation.Event) (string, bool) {
				return string(e.Conversation), e.Type == conversation.EventMessageSent
			},
			React: func(ctx context.Context, j contactcenter.Job) error {
				if !reacted.CompareAndSwap(false, true) {
					return nil
				}
				_, err := eng.Reply(ctx, contactcenter.Reply{Workspace: j.Workspace, Conversation: conversation.ID(j.Key), Agent: "ana", Text: "follow-up"})
				return err
			}}}})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: tr, By: conversation.Host()}))
	_, err = eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws, Name: "Ana", Presence: conversation.Online}, By: conversation.Host()})
	require.NoError(t, err)
	r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c1"}, Text: "hi"})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(bg)
	tr.OnSend(func(channel.Outgoing) { st.left.Store(2); cancel() })
	_, err = eng.Reply(ctx, contactcenter.Reply{Workspace: ws, Conversation: r.Conversation.ID, Agent: "ana", Text: "hello"})
	t.Logf("reply: %v", err)
	tr.OnSend(nil)
	time.Sleep(300 * time.Millisecond) // the background recording succeeds meanwhile
	done := make(chan struct{})
	go func() { _ = eng.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatalf("Close hangs: the background recorder holds the only send slot while its reaction waits for one (reacted=%v, sent=%d)", reacted.Load(), len(tr.Sent()))
	}
}

// A job stored again at the same instant (a clock that stands still) is
// not deleted with the one before it: when its run fails, it is due again.
func TestJobStoredAgainAtTheSameInstant(t *testing.T) {
	clk := &clock{now: t0}
	var eng *contactcenter.Engine
	var runs atomic.Int32
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), Now: clk.Now,
		Reactions: []contactcenter.Reaction{{Name: "r",
			Key: func(e conversation.Event) (string, bool) {
				return string(e.Conversation), e.Type == conversation.EventMessageReceived
			},
			React: func(ctx context.Context, j contactcenter.Job) error {
				switch runs.Add(1) {
				case 1: // meanwhile the contact writes again
					_, err := eng.Receive(context.Background(), contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u2", From: contactcenter.Sender{ExternalID: "c1"}, Text: "again"})
					return err
				case 2:
					return errors.New("the process stops")
				}
				return nil
			}}}})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
	_, err = eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c1"}, Text: "hi"})
	require.NoError(t, err)
	// The second message's job runs after the first, in the background,
	// and fails; Close waits for that run to end.
	require.Eventually(t, func() bool { return runs.Load() == 2 }, 5*time.Second, time.Millisecond)
	require.NoError(t, eng.Close())
	clk.Advance(contactcenter.ReactionGrace + time.Second)
	n, err := eng.FireTimers(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the second message's job, whose run failed, is due again (runs=%d)", runs.Load())
	assert.EqualValues(t, 3, runs.Load())
}

// R11: conversations at the head of the queue that wait for a person (a
// channel that does not assign) do not hide those behind them: one on a
// least-busy channel goes to the agent with room ("one bad item stops the
// queue").
func TestQueueHeadDoesNotBlockAssignment(t *testing.T) {
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New()})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "manual", Workspace: ws, Kind: channel.KindTelegram, Account: "bot1"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
	s := channel.Settings{}
	s.Assignment.Strategy = "least_busy"
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "auto", Workspace: ws, Kind: channel.KindTelegram, Account: "bot2", Settings: s}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
	_, err = eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws, Name: "Ana", Presence: conversation.Online}, By: conversation.Host()})
	require.NoError(t, err)
	for i := range 200 {
		_, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "manual", ExternalID: fmt.Sprint("m", i), From: contactcenter.Sender{ExternalID: fmt.Sprint("m", i)}, Text: "x"})
		require.NoError(t, err)
	}
	r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "auto", ExternalID: "a", From: contactcenter.Sender{ExternalID: "a"}, Text: "x"})
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("ana"), r.Conversation.Assignee, "an online agent with room, a least-busy channel")
}

// A reaction slower than its grace is claimed by its own engine's timers
// meanwhile; the engine knows the job is running and does not run it a
// second time.
func TestSlowReactionClaimedByItsOwnEngineRunsOnce(t *testing.T) {
	clk := &clock{now: t0}
	var eng *contactcenter.Engine
	var runs atomic.Int32
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), Now: clk.Now,
		Reactions: []contactcenter.Reaction{{Name: "slow",
			Key: func(e conversation.Event) (string, bool) {
				return string(e.Conversation), e.Type == conversation.EventMessageReceived
			},
			React: func(ctx context.Context, j contactcenter.Job) error {
				if runs.Add(1) == 1 {
					clk.Advance(contactcenter.ReactionGrace + time.Second) // a slow bot turn
					go func() { _, _ = eng.FireTimers(context.Background()) }()
					time.Sleep(100 * time.Millisecond)
				}
				return nil
			}}}})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
	_, err = eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c1"}, Text: "hi"})
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)
	assert.EqualValues(t, 1, runs.Load(), "one message, one run")
}
