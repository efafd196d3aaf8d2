package natsjs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/events/natsjs"
	"github.com/telenet/contactcenter/internal/pgtest"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/postgres"
)

// acceptanceEvents is how many events TestTwoEnginesExactlyOnce stores
// and publishes: $CONTACTCENTER_NATS_EVENTS, or 100000.
func acceptanceEvents(t *testing.T) int {
	v := os.Getenv("CONTACTCENTER_NATS_EVENTS")
	if v == "" {
		return 100_000
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "CONTACTCENTER_NATS_EVENTS")
	require.GreaterOrEqual(t, n, 1000, "CONTACTCENTER_NATS_EVENTS")
	return n
}

// ledger records the events the engines' publishers published: every
// stored event is published at least once before the store forgets it.
type ledger struct {
	mu     sync.Mutex
	first  map[uint64]conversation.Event // each event as first published
	passes int                           // events published, repeats included
	by     map[string]map[uint64]bool    // the seqs each engine published
}

func (l *ledger) record(engine string, evs []conversation.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.passes += len(evs)
	for _, e := range evs {
		if _, ok := l.first[e.Seq]; !ok {
			l.first[e.Seq] = e
		}
		l.by[engine][e.Seq] = true
	}
}

func (l *ledger) stored() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.first)
}

var (
	errCrash  = errors.New("the process stopped after publishing, before the store recorded it")
	errPaused = errors.New("publishing paused")
)

// The acceptance test of the adapter (R17, R18): two engines on one
// PostgreSQL store publish every stored event through PublishBatch, one
// engine is restarted on a new store handle midway, and a durable pull
// consumer reads every event exactly once, each conversation's in order.
//
// The engines receive messages of their own contacts until they have
// stored 100k events ($CONTACTCENTER_NATS_EVENTS). Midway, engine A
// "stops" right after JetStream acknowledged a batch and before its store
// forgot the events: its publisher returns an error for that batch and
// every later one, so the batch stays stored, and A stores more messages
// that it never publishes. B pauses its publishing meanwhile, so that
// nothing of A's is published while A is down. The new engine A2, on a
// new store handle and connection, then starts, and B goes on: A's share
// of the stream passes to them, and they publish what A left: the
// stopped batch again, which the stream drops as repeats of its message
// ids, and the rest once.
func TestTwoEnginesExactlyOnceAcrossRestart(t *testing.T) {
	target := acceptanceEvents(t)
	// Asynchronous commit: the test is of publishing, and the database
	// does not crash in it; each commit waiting for its WAL flush would
	// only make it slower.
	dsn := pgtest.FreshSchema(t, "cc_natsjs_") + "&pool_max_conns=12&synchronous_commit=off"
	_, admin := connect(t)
	s := newStream(t, admin, natsjs.StreamConfig{Duplicates: 5 * time.Minute})
	ctx := context.Background()
	consumer, err := admin.CreateOrUpdateConsumer(ctx, s.name, jetstream.ConsumerConfig{Durable: "ui", AckPolicy: jetstream.AckAllPolicy, MaxAckPending: 10000})
	require.NoError(t, err)

	led := &ledger{first: map[uint64]conversation.Event{}, by: map[string]map[uint64]bool{"A": {}, "A2": {}, "B": {}}}
	var crashed, paused atomic.Bool
	crashSignal := make(chan struct{})
	var crashedBatch []conversation.Event
	var publishers []*natsjs.Publisher

	// engine opens an engine on a new store handle and NATS connection,
	// whose PublishBatch records, and as the engine named stops or
	// pauses.
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	engine := func(name string) (*contactcenter.Engine, *postgres.Store) {
		st, err := postgres.Open(ctx, dsn)
		require.NoError(t, err)
		_, js := connect(t)
		pub, err := natsjs.NewPublisher(js, natsjs.Config{Prefix: s.prefix, MsgIDPrefix: "store1-"})
		require.NoError(t, err)
		publishers = append(publishers, pub)
		batch := func(ctx context.Context, evs []conversation.Event) (int, error) {
			switch {
			case name == "A" && crashed.Load():
				return 0, errCrash
			case name == "B" && paused.Load():
				return 0, errPaused
			}
			n, err := pub.PublishBatch(ctx, evs)
			led.record(name, evs[:n])
			if name == "A" && err == nil && led.stored() >= target/2 && crashed.CompareAndSwap(false, true) {
				paused.Store(true)
				crashedBatch = evs[:n]
				close(crashSignal)
				return 0, errCrash
			}
			return n, err
		}
		eng, err := contactcenter.New(contactcenter.Config{Store: st, PublishBatch: batch})
		require.NoError(t, err)
		require.NoError(t, eng.PutTransport(channel.KindMemory, "", tr))
		return eng, st
	}
	engA, storeA := engine("A")
	engB, storeB := engine("B")
	defer storeB.Close()
	defer engB.Close()
	require.NoError(t, engA.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "acme", Kind: channel.KindMemory, Account: "bot"}, By: conversation.Host()}))

	// Each engine's writers send messages of their own contacts, until
	// stop says so: every fourth message to one of the writer's
	// regulars, whose conversations go on across the restart, the others
	// from a new contact each, whose first message opens a conversation.
	const writers, regulars = 4, 5
	var sent, opened atomic.Int64
	write := func(eng *contactcenter.Engine, name string, w int, stop func() bool, n *int, after func(conversation.MessageID, bool)) error {
		for !stop() {
			late := crashed.Load()
			contact := fmt.Sprintf("%s-%d-new-%d", name[:1], w, *n)
			if *n%4 == 0 {
				contact = fmt.Sprintf("%s-%d-regular-%d", name[:1], w, *n/4%regulars)
			}
			r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "acme", Channel: "tg", ExternalID: fmt.Sprintf("%s-%d-%d", name[:1], w, *n),
				From: contactcenter.Sender{ExternalID: contact}, Text: "hello"})
			if err != nil {
				return err
			}
			*n++
			sent.Add(1)
			if r.Opened {
				opened.Add(1)
			}
			if after != nil {
				after(r.Message.ID, late)
			}
		}
		return nil
	}
	counters := map[string][]int{"A": make([]int, writers), "B": make([]int, writers)}
	// A message that opens a conversation stores three events
	// (ticket.opened, conversation.opened, message.received), another
	// one; the channel's config.changed is one more.
	storedFor := func() int { return int(sent.Load()+2*opened.Load()) + 1 }
	enough := func() bool { return storedFor() >= target }
	start := time.Now()

	// Phase 1: both engines, until A stops, and A a little after.
	var wgB sync.WaitGroup
	errs := make(chan error, 3*writers)
	for w := range writers {
		wgB.Go(func() { errs <- write(engB, "B", w, enough, &counters["B"][w], nil) })
	}
	var afterCrash sync.Mutex
	var unpublishedA []conversation.MessageID
	var wgA sync.WaitGroup
	for w := range writers {
		wgA.Go(func() {
			extra := 0
			stop := func() bool {
				select {
				case <-crashSignal:
					extra++
					return extra > 25
				default:
					return enough()
				}
			}
			errs <- write(engA, "A", w, stop, &counters["A"][w], func(id conversation.MessageID, late bool) {
				if late { // received after A stopped publishing
					afterCrash.Lock()
					unpublishedA = append(unpublishedA, id)
					afterCrash.Unlock()
				}
			})
		})
	}
	wgA.Wait()
	select {
	case <-crashSignal:
	default:
		t.Fatal("engine A never published the half of the events")
	}
	require.NoError(t, engA.Close())
	require.NoError(t, storeA.Close())
	require.NotEmpty(t, crashedBatch, "the stopped batch")
	require.NotEmpty(t, unpublishedA, "messages A stored after it stopped publishing")

	// The restart: A2 on a new store handle publishes what A left.
	engA2, storeA2 := engine("A2")
	defer storeA2.Close()
	defer engA2.Close()
	paused.Store(false)
	require.NoError(t, engA2.PublishPending(ctx))
	pubA2, pubB := publishers[2], publishers[1]
	// What A left is published by whichever of A2 and B holds its
	// partition now.
	again := func(seq uint64) bool { return led.by["A2"][seq] || led.by["B"][seq] }
	require.Eventually(t, func() bool {
		led.mu.Lock()
		defer led.mu.Unlock()
		for _, e := range crashedBatch {
			if !again(e.Seq) {
				return false
			}
		}
		return true
	}, time.Minute, 10*time.Millisecond, "the stopped batch published again")
	received := map[conversation.MessageID]uint64{}
	require.Eventually(t, func() bool {
		led.mu.Lock()
		defer led.mu.Unlock()
		for seq, e := range led.first {
			if e.Type == conversation.EventMessageReceived {
				received[e.Message] = seq
			}
		}
		for _, id := range unpublishedA {
			if _, ok := received[id]; !ok {
				return false
			}
		}
		return true
	}, time.Minute, 10*time.Millisecond, "the messages A stored and did not publish are published")
	led.mu.Lock()
	for _, id := range unpublishedA {
		seq := received[id]
		assert.True(t, again(seq) && !led.by["A"][seq], "message %s that A stored and did not publish is published by A2 or B", id)
	}
	led.mu.Unlock()
	assert.Equal(t, uint64(len(crashedBatch)), pubA2.Stats().Duplicates+pubB.Stats().Duplicates, "the stream dropped the repeats of the stopped batch")

	// Phase 2: A2 goes on with A's contacts, B with its own.
	for w := range writers {
		wgA.Go(func() { errs <- write(engA2, "A", w, enough, &counters["A"][w], nil) })
	}
	wgA.Wait()
	wgB.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, engA2.PublishPending(ctx))
	require.NoError(t, engB.PublishPending(ctx))
	// Nothing is left in the store.
	for {
		_, err = storeB.DrainEvents(ctx, 1, func(_ context.Context, evs []conversation.Event) (int, error) {
			t.Errorf("events left unpublished: %v", evs)
			return 0, nil
		})
		if !errors.Is(err, store.ErrBusy) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, err)
	elapsed := time.Since(start)

	// The durable consumer reads every event once, each conversation's
	// in seq order.
	stored := led.stored()
	require.GreaterOrEqual(t, stored, target)
	assert.Equal(t, storedFor(), stored, "every event the engines stored was published")
	info, err := s.stream.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(stored), info.State.Msgs, "the stream holds each stored event once")
	readStart := time.Now()
	it, err := consumer.Messages(jetstream.PullMaxMessages(2000))
	require.NoError(t, err)
	defer it.Stop()
	seen := make(map[uint64]bool, stored)
	last := map[string]uint64{}
	for len(seen) < stored {
		m, err := it.Next(jetstream.NextMaxWait(10 * time.Second))
		if err != nil {
			t.Fatalf("the consumer read %d of %d events: %v", len(seen), stored, err)
		}
		e, err := natsjs.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		want, ok := led.first[e.Seq]
		switch {
		case seen[e.Seq]:
			t.Fatalf("event %d read twice", e.Seq)
		case !ok:
			t.Fatalf("event %d was never stored", e.Seq)
		case want.Type != e.Type || want.Conversation != e.Conversation || want.Message != e.Message:
			t.Fatalf("event %d read as %+v, stored as %+v", e.Seq, e, want)
		case m.Subject() != natsjs.Subject(s.prefix, want.Workspace, want.Conversation):
			t.Fatalf("event %d on %s", e.Seq, m.Subject())
		case e.Seq <= last[m.Subject()]:
			t.Fatalf("event %d on %s after event %d", e.Seq, m.Subject(), last[m.Subject()])
		}
		seen[e.Seq] = true
		last[m.Subject()] = e.Seq
		if len(seen)%500 == 0 || len(seen) == stored {
			require.NoError(t, m.DoubleAck(ctx)) // and every one before it
		}
	}
	// Nothing more comes.
	_, err = it.Next(jetstream.NextMaxWait(time.Second))
	assert.Error(t, err, "no message after the stored events")
	assert.Len(t, seen, stored, "every stored event exactly once")
	var dups uint64
	for _, p := range publishers {
		dups += p.Stats().Duplicates
	}
	led.mu.Lock()
	passes := led.passes
	led.mu.Unlock()
	assert.Equal(t, uint64(passes-stored), dups, "every repeat the engines published was dropped by the stream")
	t.Logf("%d events (%d messages, %d conversations) stored and published in %v (%.0f events/s); %d repeats dropped; read in %v",
		stored, sent.Load(), len(last), elapsed.Round(time.Millisecond), float64(stored)/elapsed.Seconds(), dups, time.Since(readStart).Round(time.Millisecond))
}
