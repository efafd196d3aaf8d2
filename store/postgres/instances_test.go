package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/ticket"
)

// Two engines, each with its own store (as two processes would have), on
// one database: many contacts write at once, every update is delivered
// twice, to both engines. Afterwards each contact has one open conversation
// per channel, ticket numbers are unique and gapless per workspace, every
// message is stored exactly once, and every event was published once, in
// order per conversation (R17), both engines publishing their share of
// the stream.
func TestSeveralInstances(t *testing.T) {
	dsn := freshSchema(t)
	ctx := context.Background()
	const (
		workspaces = 2
		contacts   = 60 // per workspace
		messages   = 8  // per contact
	)
	type published struct {
		mu       sync.Mutex
		seqs     map[uint64]int
		last     map[conversation.ID]uint64
		by       [2]int
		disorder int
	}
	pub := &published{seqs: map[uint64]int{}, last: map[conversation.ID]uint64{}}
	engines := make([]*contactcenter.Engine, 2)
	stores := make([]*postgres.Store, 2)
	for i := range engines {
		stores[i] = open(t, dsn)
		t.Cleanup(func() { stores[i].Close() })
		var err error
		engines[i], err = contactcenter.New(contactcenter.Config{Store: stores[i], MaxAttempts: 200,
			Publish: func(_ context.Context, e conversation.Event) error {
				pub.mu.Lock()
				pub.seqs[e.Seq]++
				pub.by[i]++
				if e.Conversation != "" {
					if e.Seq < pub.last[e.Conversation] {
						pub.disorder++
					}
					pub.last[e.Conversation] = e.Seq
				}
				pub.mu.Unlock()
				return nil
			}})
		require.NoError(t, err)
		tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
		if i > 0 {
			// The channels are stored: the other engine needs only the
			// transport.
			require.NoError(t, engines[i].PutTransport(channel.KindMemory, "bot", tr))
			continue
		}
		for w := range workspaces {
			require.NoError(t, engines[i].PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: wsName(w), Kind: channel.KindMemory, Account: "bot"}, Transport: tr, By: conversation.Host()}))
		}
	}

	// Every (workspace, contact, message) is one update, delivered to both
	// engines: each engine gets all updates, in its own shuffled order, from
	// several goroutines, so first messages, duplicates and later messages
	// of one contact race within and across engines.
	type update struct{ w, c, m int }
	var work []update
	for w := range workspaces {
		for c := range contacts {
			for m := range messages {
				work = append(work, update{w, c, m})
			}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(work))
	const workers = 4 // per engine
	for _, eng := range engines {
		order := slices.Clone(work)
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for k := range workers {
			wg.Go(func() {
				for i := k; i < len(order); i += workers {
					u := order[i]
					_, err := eng.Receive(ctx, contactcenter.Inbound{
						Workspace: wsName(u.w), Channel: "tg", ExternalID: fmt.Sprintf("upd-%d-%d", u.c, u.m),
						From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", u.c)}, Text: fmt.Sprintf("message %d", u.m),
					})
					if err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, eng := range engines {
		require.NoError(t, eng.PublishPending(ctx))
	}

	pool := stores[0].Pool()
	for w := range workspaces {
		ws := wsName(w)
		var openConvs, perContactMax, msgs, distinctExt int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM cc_conversations WHERE workspace = $1 AND state = 1`, ws).Scan(&openConvs))
		require.NoError(t, pool.QueryRow(ctx, `SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM cc_conversations WHERE workspace = $1 AND state = 1 GROUP BY contact_id) x`, ws).Scan(&perContactMax))
		assert.Equal(t, contacts, openConvs, "%s: one open conversation per contact", ws)
		assert.Equal(t, 1, perContactMax, ws)

		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT external_id) FROM cc_messages WHERE workspace = $1`, ws).Scan(&msgs, &distinctExt))
		assert.Equal(t, contacts*messages, msgs, "%s: every message stored exactly once", ws)
		assert.Equal(t, msgs, distinctExt, ws)

		var tickets, minN, maxN, distinctN int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*), min(number), max(number), count(DISTINCT number) FROM cc_tickets WHERE workspace = $1`, ws).Scan(&tickets, &minN, &maxN, &distinctN))
		assert.Equal(t, contacts, tickets, "%s: one ticket per contact", ws)
		assert.Equal(t, tickets, distinctN, "%s: unique numbers", ws)
		assert.Equal(t, 1, minN, ws)
		assert.Equal(t, tickets, maxN, "%s: gapless numbers", ws)

		var contactRows int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM cc_contacts WHERE workspace = $1`, ws).Scan(&contactRows))
		assert.Equal(t, contacts, contactRows, "%s: one contact per sender", ws)
	}

	// Events: a config.changed for each workspace's channel, 3 for each
	// first message (ticket, conversation, message), 1 for each later one;
	// each published exactly once.
	wantEvents := workspaces + workspaces*contacts*(3+messages-1)
	pub.mu.Lock()
	defer pub.mu.Unlock()
	assert.Len(t, pub.seqs, wantEvents)
	for seq, n := range pub.seqs {
		if n != 1 {
			t.Errorf("event %d published %d times", seq, n)
		}
	}
	assert.Zero(t, pub.disorder, "every conversation's events in commit order")
	t.Logf("events published by each engine: %v", pub.by)
	assert.Positive(t, pub.by[0], "the first engine published its share")
	assert.Positive(t, pub.by[1], "the second engine published its share")
	var left int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM cc_events`).Scan(&left))
	assert.Zero(t, left, "no event left unpublished")
}

func wsName(w int) ticket.WorkspaceID { return ticket.WorkspaceID(fmt.Sprint("ws-", w)) }

// R17: an engine that shares the stream goes on publishing its share of
// the events other engines store once it stops storing any itself: it
// drains now and then. Every event is published once, in order per
// conversation.
func TestQuietEnginePublishesItsShare(t *testing.T) {
	dsn := freshSchema(t)
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[uint64]int{}
	last := map[conversation.ID]uint64{}
	quietPhase := false
	byQuietInQuietPhase := 0
	disorder := 0
	newEngine := func(name string) (*contactcenter.Engine, *postgres.Store) {
		s := open(t, dsn)
		t.Cleanup(func() { s.Close() })
		eng, err := contactcenter.New(contactcenter.Config{Store: s, Publish: func(_ context.Context, e conversation.Event) error {
			mu.Lock()
			defer mu.Unlock()
			seen[e.Seq]++
			if quietPhase && name == "quiet" {
				byQuietInQuietPhase++
			}
			if e.Conversation != "" {
				if e.Seq < last[e.Conversation] {
					disorder++
				}
				last[e.Conversation] = e.Seq
			}
			return nil
		}})
		require.NoError(t, err)
		t.Cleanup(func() { eng.Close() })
		return eng, s
	}
	writer, ws := newEngine("writer")
	quiet, qs := newEngine("quiet")
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	require.NoError(t, writer.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindMemory, Account: "bot"}, Transport: tr, By: conversation.Host()}))
	require.NoError(t, quiet.PutTransport(channel.KindMemory, "bot", tr))
	send := func(eng *contactcenter.Engine, contact string, m int) {
		_, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: fmt.Sprintf("u-%s-%d", contact, m),
			From: contactcenter.Sender{ExternalID: contact}, Text: "hello"})
		require.NoError(t, err)
	}
	// Both write until both publish a share.
	const contacts = 40
	for m := 0; ; m++ {
		for c := range contacts {
			send(writer, fmt.Sprint("w-", c), m)
			send(quiet, fmt.Sprint("q-", c), m)
		}
		sw, _ := ws.EventShare()
		sq, _ := qs.EventShare()
		if sw.Held > 0 && sq.Held > 0 && sw.Held+sq.Held == store.EventPartitions {
			break
		}
		require.Less(t, m, 200, "the two engines never shared the stream")
	}
	mu.Lock()
	quietPhase = true
	mu.Unlock()
	// Only the writer writes now.
	for m := range 5 {
		for c := range contacts {
			send(writer, fmt.Sprint("w-", c), 1000+m)
		}
	}
	var want int
	require.NoError(t, ws.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM cc_messages) + 2 * (SELECT count(*) FROM cc_conversations) + 1`).Scan(&want))
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == want
	}, 30*time.Second, 10*time.Millisecond, "every event published")
	mu.Lock()
	defer mu.Unlock()
	t.Logf("events the quiet engine published while quiet: %d", byQuietInQuietPhase)
	assert.Positive(t, byQuietInQuietPhase, "the quiet engine published its share of the writer's events")
	assert.Zero(t, disorder, "in order per conversation")
	for seq, n := range seen {
		assert.Equal(t, 1, n, "event %d once", seq)
	}
}
