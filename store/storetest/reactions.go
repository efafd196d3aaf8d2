package storetest

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
	"github.com/telenet/contactcenter/ticket"
)

// reactionCounter counts a reaction's runs per key, and fails them while
// failing is set (a process that stops before its reaction ran).
type reactionCounter struct {
	mu      sync.Mutex
	runs    map[string]int
	failing atomic.Bool
}

func (c *reactionCounter) reaction() contactcenter.Reaction {
	return contactcenter.Reaction{
		Name: "storetest.count",
		Key: func(e conversation.Event) (string, bool) {
			return string(e.Conversation), e.Type == conversation.EventConversationOpened
		},
		React: func(_ context.Context, j contactcenter.Job) error {
			if c.failing.Load() {
				return errors.New("the process stopped")
			}
			if j.Event.Type != conversation.EventConversationOpened || string(j.Event.Conversation) != j.Key {
				return fmt.Errorf("job %q without its event: %+v", j.Key, j.Event)
			}
			c.mu.Lock()
			c.runs[j.Key]++
			c.mu.Unlock()
			return nil
		},
	}
}

func (c *reactionCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.runs))
	for k, v := range c.runs {
		out[k] = v
	}
	return out
}

// reactingEngine returns an engine over s with the counter's reaction, a
// memory channel "ch" in ws and the clock now.
func reactingEngine(t testing.TB, s store.Store, ws ticket.WorkspaceID, c *reactionCounter, now func() time.Time) *contactcenter.Engine {
	t.Helper()
	eng, err := contactcenter.New(contactcenter.Config{Store: s, MaxAttempts: 1000, Now: now,
		Publish:   func(context.Context, conversation.Event) error { return nil },
		Reactions: []contactcenter.Reaction{c.reaction()}})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "ch", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	t.Cleanup(func() { _ = eng.Close() })
	return eng
}

// testReactions checks, through the engine, that a reaction's job is kept
// by the store: when the engine that stored an event fails to react (as
// when its process stops), another engine on the store reacts once its
// grace has passed, exactly once; and that engines reacting at the same
// time over one store react once per event's key.
func (h *harness) testReactions(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("reactions"))
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	gone := &reactionCounter{runs: map[string]int{}}
	gone.failing.Store(true)
	a := reactingEngine(t, s, ws, gone, clock)
	r, err := a.Receive(ctx(), contactcenter.Inbound{Workspace: ws, Channel: "ch", ExternalID: "u-1", From: contactcenter.Sender{ExternalID: "c-1"}, Text: "hi"})
	require.NoError(t, err)
	key := string(r.Conversation.ID)

	c := &reactionCounter{runs: map[string]int{}}
	b := reactingEngine(t, s, ws, c, clock)
	_, err = b.FireTimers(ctx())
	require.NoError(t, err)
	assert.Empty(t, c.snapshot(), "the job waits its grace for the engine that stored it")
	advance(contactcenter.ReactionGrace + time.Second)
	_, err = b.FireTimers(ctx())
	require.NoError(t, err)
	assert.Equal(t, map[string]int{key: 1}, c.snapshot(), "another engine reacted, once")
	advance(2 * time.Minute)
	_, err = b.FireTimers(ctx())
	require.NoError(t, err)
	assert.Equal(t, map[string]int{key: 1}, c.snapshot(), "the job is gone once done")

	// Two engines, reacting at the same time to jobs that none reacted to
	// when they were stored.
	ws2 := ticket.WorkspaceID(newWorkspace("reactions-2"))
	both := &reactionCounter{runs: map[string]int{}}
	both.failing.Store(true)
	engines := []*contactcenter.Engine{reactingEngine(t, s, ws2, both, clock), reactingEngine(t, s, ws2, both, clock)}
	const contacts = 12
	var wg sync.WaitGroup
	for i := range contacts {
		wg.Go(func() {
			_, err := engines[i%2].Receive(ctx(), contactcenter.Inbound{Workspace: ws2, Channel: "ch", ExternalID: fmt.Sprint("u-", i),
				From: contactcenter.Sender{ExternalID: fmt.Sprint("c-", i)}, Text: "hi"})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Empty(t, both.snapshot(), "no reaction succeeded yet")
	both.failing.Store(false)
	advance(contactcenter.ReactionGrace + time.Minute)
	var fired [2]int
	together(func() { n, err := engines[0].FireTimers(ctx()); assert.NoError(t, err); fired[0] = n },
		func() { n, err := engines[1].FireTimers(ctx()); assert.NoError(t, err); fired[1] = n })
	assert.Equal(t, contacts, fired[0]+fired[1], "each job claimed by one engine: %v", fired)
	runs := both.snapshot()
	assert.Len(t, runs, contacts, "a reaction per conversation")
	for k, n := range runs {
		assert.Equal(t, 1, n, "conversation %s reacted %d times", k, n)
	}
}
