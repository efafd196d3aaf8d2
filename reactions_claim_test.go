package contactcenter_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/internal/pgtest"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/store/sqlite"
)

// sharedStores open one database twice, as two processes would: both
// handles see the same data. The memory store is one handle, shared.
var sharedStores = []struct {
	name string
	open func(t *testing.T) (store.Store, store.Store)
}{
	{"memory", func(*testing.T) (store.Store, store.Store) {
		s := memory.New()
		return s, s
	}},
	{"sqlite", func(t *testing.T) (store.Store, store.Store) {
		path := filepath.Join(t.TempDir(), "cc.db")
		var out [2]store.Store
		for i := range out {
			s, err := sqlite.Open(bg, path)
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			out[i] = s
		}
		return out[0], out[1]
	}},
	{"postgres", func(t *testing.T) (store.Store, store.Store) {
		dsn := pgtest.FreshSchema(t, "reactions_")
		var out [2]store.Store
		for i := range out {
			s, err := postgres.Open(bg, dsn)
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			out[i] = s
		}
		return out[0], out[1]
	}},
}

// Two engines on one database take messages for the same few
// conversations at once, each from several goroutines. A reaction keyed by
// conversation never runs twice at once for one key, in either engine or
// across them, and every message is handled: for each conversation, a run
// begins after its last message committed, and sees all its messages.
func TestReactionKeyRunsInOneEngineAtATime(t *testing.T) {
	for _, k := range sharedStores {
		t.Run(k.name, func(t *testing.T) {
			a, b := k.open(t)
			testOneRunPerKey(t, a, b)
		})
	}
}

func testOneRunPerKey(t *testing.T, stores ...store.Store) {
	const (
		contacts = 3
		perPair  = 12 // messages per contact from each sender goroutine
		senders  = 2  // goroutines per engine
	)
	var (
		mu       sync.Mutex
		inFlight = map[string]*atomic.Int32{}
		seen     = map[string]int{} // the most messages a run saw, by key
		overlaps atomic.Int32
		runs     atomic.Int32
	)
	counter := func(key string) *atomic.Int32 {
		mu.Lock()
		defer mu.Unlock()
		n, ok := inFlight[key]
		if !ok {
			n = new(atomic.Int32)
			inFlight[key] = n
		}
		return n
	}
	engines := make([]*contactcenter.Engine, len(stores))
	for i, st := range stores {
		var eng *contactcenter.Engine
		eng, err := contactcenter.New(contactcenter.Config{Store: st, MaxAttempts: 500, ReactionGrace: 2 * time.Second,
			Reactions: []contactcenter.Reaction{{
				Name: "serial",
				Key: func(e conversation.Event) (string, bool) {
					return string(e.Conversation), e.Type == conversation.EventMessageReceived
				},
				React: func(ctx context.Context, j contactcenter.Job) error {
					n := counter(j.Key)
					if n.Add(1) > 1 {
						overlaps.Add(1)
					}
					defer n.Add(-1)
					runs.Add(1)
					ms, err := eng.Messages(ctx, j.Workspace, conversation.ID(j.Key))
					if err != nil {
						return err
					}
					time.Sleep(time.Duration(rand.IntN(1500)) * time.Microsecond) // a reaction that takes a while
					mu.Lock()
					seen[j.Key] = max(seen[j.Key], len(ms))
					mu.Unlock()
					return nil
				},
			}}})
		require.NoError(t, err)
		engines[i] = eng
		require.NoError(t, eng.PutChannel(bg, channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, channel.NewMemoryTransport(fullCaps)))
	}
	for _, eng := range engines {
		t.Cleanup(func() { _ = eng.Close() })
	}

	convs := make([]conversation.ID, contacts)
	for c := range contacts {
		r, err := engines[c%len(engines)].Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprint("first-", c),
			From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", c)}, Text: "hello"})
		require.NoError(t, err)
		convs[c] = r.Conversation.ID
	}
	var wg sync.WaitGroup
	for i, eng := range engines {
		for g := range senders {
			wg.Go(func() {
				for m := range perPair {
					for c := range contacts {
						_, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprint("m-", i, "-", g, "-", m, "-", c),
							From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", c)}, Text: "more"})
						if err != nil {
							t.Error(err)
							return
						}
					}
				}
			})
		}
	}
	wg.Wait()
	want := 1 + len(engines)*senders*perPair
	// Jobs left to a run that holds their key run after it, in the
	// background; the timers take any whose claim lapsed.
	require.Eventually(t, func() bool {
		for _, eng := range engines {
			_, _ = eng.FireTimers(bg)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, c := range convs {
			if seen[string(c)] != want {
				return false
			}
		}
		return true
	}, 30*time.Second, 10*time.Millisecond, "every message is handled")
	assert.Zero(t, overlaps.Load(), "runs of one key at once")
	t.Logf("%d runs for %d messages", runs.Load(), contacts*want)
}
