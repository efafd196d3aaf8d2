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
		require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
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

// greeter is an engine on st with one reaction, keyed by conversation,
// that calls react for each message received.
func greeter(t *testing.T, st store.Store, cfg contactcenter.Config, react func(ctx context.Context, eng *contactcenter.Engine, j contactcenter.Job) error) *contactcenter.Engine {
	t.Helper()
	var eng *contactcenter.Engine
	cfg.Store = st
	cfg.Reactions = []contactcenter.Reaction{{
		Name: "greet",
		Key: func(e conversation.Event) (string, bool) {
			return string(e.Conversation), e.Type == conversation.EventMessageReceived
		},
		React: func(ctx context.Context, j contactcenter.Job) error { return react(ctx, eng, j) },
	}}
	eng, err := contactcenter.New(cfg)
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
	t.Cleanup(func() { _ = eng.Close() })
	return eng
}

// A message whose key's reaction runs in another engine is left to that
// run: its Receive returns at once, and the holder runs the reaction again
// once its run ends, seeing the message; the other engine never runs it.
func TestReactionStoredAgainWhileAnotherEngineRunsIt(t *testing.T) {
	st := memory.New()
	entered, release := make(chan struct{}), make(chan struct{})
	var aSaw []int
	var aRuns, bRuns atomic.Int32
	a := greeter(t, st, contactcenter.Config{}, func(ctx context.Context, eng *contactcenter.Engine, j contactcenter.Job) error {
		ms, err := eng.Messages(ctx, j.Workspace, conversation.ID(j.Key))
		if err != nil {
			return err
		}
		aSaw = append(aSaw, len(ms)) // runs of a key are one at a time
		if aRuns.Add(1) == 1 {
			close(entered)
			<-release
		}
		return nil
	})
	b := greeter(t, st, contactcenter.Config{}, func(context.Context, *contactcenter.Engine, contactcenter.Job) error {
		bRuns.Add(1)
		return nil
	})
	aDone := make(chan error, 1)
	go func() {
		_, err := a.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c1"}, Text: "hi"})
		aDone <- err
	}()
	<-entered
	_, err := b.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u2", From: contactcenter.Sender{ExternalID: "c1"}, Text: "again"})
	require.NoError(t, err, "b's message is left to a's run, and b returns")
	close(release)
	require.NoError(t, <-aDone)
	require.Eventually(t, func() bool { return aRuns.Load() == 2 }, 5*time.Second, time.Millisecond, "a runs again for b's message")
	require.NoError(t, a.Close())
	assert.Equal(t, []int{1, 2}, aSaw, "the second run sees both messages")
	assert.Zero(t, bRuns.Load(), "b never runs the key a holds")
	for _, eng := range []*contactcenter.Engine{a, b} {
		n, err := eng.FireTimers(bg)
		require.NoError(t, err)
		assert.Zero(t, n, "no job left")
	}
}

// A reaction slower than its grace keeps its key: its engine renews the
// claim while it runs, so another engine's timers, firing all along, do
// not run it a second time.
func TestSlowReactionKeepsItsClaim(t *testing.T) {
	st := memory.New()
	const grace = 150 * time.Millisecond
	var aRuns, bRuns atomic.Int32
	a := greeter(t, st, contactcenter.Config{ReactionGrace: grace}, func(context.Context, *contactcenter.Engine, contactcenter.Job) error {
		aRuns.Add(1)
		time.Sleep(5 * grace)
		return nil
	})
	b := greeter(t, st, contactcenter.Config{ReactionGrace: grace}, func(context.Context, *contactcenter.Engine, contactcenter.Job) error {
		bRuns.Add(1)
		return nil
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := a.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c1"}, Text: "hi"})
		assert.NoError(t, err)
	}()
	fired := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-time.After(10 * time.Millisecond):
			n, err := b.FireTimers(bg)
			require.NoError(t, err)
			fired += n
		}
	}
	n, err := b.FireTimers(bg)
	require.NoError(t, err)
	assert.Zero(t, fired+n, "b's timers handled nothing")
	assert.Zero(t, bRuns.Load(), "b ran the reaction a was running")
	assert.EqualValues(t, 1, aRuns.Load())
}

// FireTimers counts a reaction's job once its reaction succeeded: a run
// that failed leaves the job due again and is not counted.
func TestFireTimersCountsOnlySucceededReactions(t *testing.T) {
	clk := &clock{now: t0}
	var calls atomic.Int32
	eng := greeter(t, memory.New(), contactcenter.Config{Now: clk.Now}, func(context.Context, *contactcenter.Engine, contactcenter.Job) error {
		if calls.Add(1) <= 2 {
			return fmt.Errorf("the CRM is down")
		}
		return nil
	})
	_, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c1"}, Text: "hi"})
	require.NoError(t, err)
	require.EqualValues(t, 1, calls.Load(), "the run at once failed")

	clk.Advance(contactcenter.ReactionGrace + time.Second)
	n, err := eng.FireTimers(bg)
	require.NoError(t, err)
	assert.EqualValues(t, 2, calls.Load())
	assert.Zero(t, n, "a failed reaction is not handled")

	clk.Advance(2 * time.Minute) // once a minute while it fails
	n, err = eng.FireTimers(bg)
	require.NoError(t, err)
	assert.EqualValues(t, 3, calls.Load())
	assert.Equal(t, 1, n, "the reaction succeeded")

	clk.Advance(time.Hour)
	n, err = eng.FireTimers(bg)
	require.NoError(t, err)
	assert.Zero(t, n, "then the job is gone")
	assert.EqualValues(t, 3, calls.Load())
}

// BenchmarkReactionOnPostgres compares messages to open conversations on
// PostgreSQL through an engine with a reaction to each message (a job
// stored with the message, claimed, run, deleted) with an engine without
// one, on one database: rounds of 500 messages from 8 writers alternate
// between the two. b.N messages go each way.
//
//	go test -run '^$' -bench ReactionOnPostgres -benchtime 4000x .
func BenchmarkReactionOnPostgres(b *testing.B) {
	const writers, contacts = 8, 64
	st, err := postgres.Open(bg, pgtest.FreshSchema(b, "reactionbench_")+"&pool_max_conns=32")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	var reacted atomic.Int64
	mk := func(rs []contactcenter.Reaction) *contactcenter.Engine {
		eng, err := contactcenter.New(contactcenter.Config{Store: st, Reactions: rs})
		if err != nil {
			b.Fatal(err)
		}
		if err := eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = eng.Close() })
		return eng
	}
	plain := mk(nil)
	reacting := mk([]contactcenter.Reaction{{Name: "count",
		Key: func(e conversation.Event) (string, bool) {
			return string(e.Conversation), e.Type == conversation.EventMessageReceived
		},
		React: func(context.Context, contactcenter.Job) error { reacted.Add(1); return nil },
	}})
	for c := range contacts {
		if _, err := plain.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprint("first-", c),
			From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", c)}, Text: "hello"}); err != nil {
			b.Fatal(err)
		}
	}
	var seq atomic.Int64
	round := func(eng *contactcenter.Engine, n int) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := w; i < n; i += writers {
					c := w*(contacts/writers) + (i/writers)%(contacts/writers)
					if _, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprint("m", seq.Add(1)),
						From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", c)}, Text: "more"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	var plainTime, reactTime time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(500, b.N-done)
		plainTime += round(plain, n)
		reactTime += round(reacting, n)
		done += n
	}
	b.StopTimer()
	b.ReportMetric(float64(reacted.Load())/float64(b.N), "reactions/msg")
	b.ReportMetric(float64(b.N)/plainTime.Seconds(), "plain-msgs/s")
	b.ReportMetric(float64(b.N)/reactTime.Seconds(), "reacting-msgs/s")
	b.ReportMetric(plainTime.Seconds()/reactTime.Seconds(), "reacting/plain")
}
