package contactcenter_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

const ws ticket.WorkspaceID = "acme"

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is a settable clock for Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// recorder collects published events.
type recorder struct {
	mu     sync.Mutex
	events []conversation.Event
	fail   error
}

func (r *recorder) publish(_ context.Context, e conversation.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.events = append(r.events, e)
	return nil
}

// take returns the events published since the last take.
func (r *recorder) take() []conversation.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func types(evs []conversation.Event) []conversation.EventType {
	out := make([]conversation.EventType, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

type fixture struct {
	eng   *contactcenter.Engine
	store store.Store
	tr    *channel.MemoryTransport
	clock *clock
	rec   *recorder
}

var fullCaps = channel.Capabilities{Text: true, Voice: true, Files: true, Edit: true, MaxTextLen: 4096, MaxFileSize: 20 << 20}

// newFixture returns an engine on a memory store with channel "tg" in ws
// and agents ana, bruno (agents) and sol (supervisor).
func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureOn(t, memory.New(), fullCaps)
}

// newFixtureOn is newFixture on store s with channel capabilities caps;
// each of with changes the engine's configuration first (a Publish of
// the test's own, instead of the recorder's).
func newFixtureOn(t testing.TB, s store.Store, caps channel.Capabilities, with ...func(*contactcenter.Config)) *fixture {
	t.Helper()
	f := &fixture{store: s, tr: channel.NewMemoryTransport(caps), clock: &clock{now: t0}, rec: &recorder{}}
	cfg := contactcenter.Config{
		Store: s, Now: f.clock.Now, NewID: contactcenter.SequentialIDs("id"), Publish: f.rec.publish,
	}
	for _, w := range with {
		w(&cfg)
	}
	var err error
	f.eng, err = contactcenter.New(cfg)
	require.NoError(t, err)
	require.NoError(t, f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: f.tr, By: conversation.Host()}))
	for _, a := range []conversation.Agent{
		{ID: "ana", Workspace: ws, Name: "Ana", Presence: conversation.Online},
		{ID: "bruno", Workspace: ws, Name: "Bruno", Presence: conversation.Online},
		{ID: "sol", Workspace: ws, Name: "Sol", Role: conversation.RoleSupervisor, Presence: conversation.Online},
	} {
		_, err := f.eng.PutAgent(context.Background(), contactcenter.AgentChange{Agent: a, By: conversation.Host()})
		require.NoError(t, err)
	}
	require.NoError(t, f.eng.PutTeam(context.Background(), contactcenter.TeamChange{Team: conversation.Team{ID: "billing", Workspace: ws, Name: "Billing"}, By: conversation.Host()}))
	f.rec.take()
	return f
}

// write delivers a contact's text message with update id ext.
func (f *fixture) write(t testing.TB, contact, ext, text string) contactcenter.Received {
	t.Helper()
	r, err := f.eng.Receive(context.Background(), contactcenter.Inbound{
		Workspace: ws, Channel: "tg", ExternalID: ext,
		From: contactcenter.Sender{ExternalID: contact, Name: "Contact " + contact, Language: "es"},
		Text: text,
	})
	require.NoError(t, err)
	return r
}

func (f *fixture) reply(t testing.TB, conv conversation.ID, agent conversation.AgentID, text string) conversation.Message {
	t.Helper()
	m, err := f.eng.Reply(context.Background(), contactcenter.Reply{Workspace: ws, Conversation: conv, Agent: agent, Text: text})
	require.NoError(t, err)
	return m
}

func (f *fixture) conversation(t testing.TB, id conversation.ID) conversation.Conversation {
	t.Helper()
	c, err := f.eng.Conversation(context.Background(), ws, id)
	require.NoError(t, err)
	return c
}

// faultyStore wraps a store and fails chosen Updates.
type faultyStore struct {
	store.Store
	mu sync.Mutex
	// failures are returned by the next Updates, one each, after fn ran
	// (so its writes are rolled back).
	failures []error
	updates  int
}

func (s *faultyStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	s.mu.Lock()
	s.updates++
	var fail error
	if len(s.failures) > 0 {
		fail, s.failures = s.failures[0], s.failures[1:]
	}
	s.mu.Unlock()
	return s.Store.Update(ctx, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return fail
	})
}

func (s *faultyStore) failNext(errs ...error) {
	s.mu.Lock()
	s.failures = append(s.failures, errs...)
	s.mu.Unlock()
}
