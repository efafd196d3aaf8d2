package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/sqlite"
)

// contactsPerWriter is the number of contacts each writer of the
// benchmarks sends for; their conversations are open.
const contactsPerWriter = 16

// benchFixture is a fresh SQLite file with an engine, one open
// conversation per contact, and the bare transaction's statements
// prepared on the store's writer connection.
type benchFixture struct {
	s       *sqlite.Store
	eng     *contactcenter.Engine
	writers int
	convs   []conversation.ID
	seq     atomic.Int64 // makes external ids unique

	// Prepared on the store's writer connection.
	insertMessage, updateConversation, begin, commit *sql.Stmt
}

const (
	benchInsertMessage = `INSERT INTO cc_messages (workspace, id, conversation_id, ticket_id, channel, direction, author_kind, author_agent,
		kind, body, attachments, external_id, created_at, delivery, attempts, next_attempt, failure, revisions, version)
		VALUES ('bench', ?1, ?2, '', 'tg', 1, 1, '', 1, 'one more message', '', ?1, ?3, 0, 0, 0, '', '', 1)`
	benchUpdateConversation = `UPDATE cc_conversations SET last_activity = ?, version = version + 1 WHERE workspace = 'bench' AND id = ?`
)

// newBenchFixture opens the fixture for the given number of writers; with
// publish, its engine publishes events (to nowhere), draining them from
// the store; without, it only stores them.
func newBenchFixture(b *testing.B, writers int, publish bool) *benchFixture {
	b.Helper()
	ctx := context.Background()
	f := &benchFixture{s: open(b, filepath.Join(b.TempDir(), "bench.db")), writers: writers}
	b.Cleanup(func() { f.s.Close() })
	cfg := contactcenter.Config{Store: f.s}
	if publish {
		cfg.Publish = func(context.Context, conversation.Event) error { return nil }
	}
	var err error
	f.eng, err = contactcenter.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.eng.Close() })
	if err := f.eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "bench", Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}); err != nil {
		b.Fatal(err)
	}
	f.convs = make([]conversation.ID, writers*contactsPerWriter)
	for i := range f.convs {
		r, err := f.eng.Receive(ctx, contactcenter.Inbound{Workspace: "bench", Channel: "tg", ExternalID: fmt.Sprint("first-", i),
			From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", i)}, Text: "hello"})
		if err != nil {
			b.Fatal(err)
		}
		f.convs[i] = r.Conversation.ID
	}
	if err := sqlite.WithWriter(f.s, func(c *sql.Conn) error {
		for _, p := range []struct {
			st    **sql.Stmt
			query string
		}{{&f.insertMessage, benchInsertMessage}, {&f.updateConversation, benchUpdateConversation}, {&f.begin, `BEGIN IMMEDIATE`}, {&f.commit, `COMMIT`}} {
			if *p.st, err = c.PrepareContext(ctx, p.query); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		for _, st := range []*sql.Stmt{f.insertMessage, f.updateConversation, f.begin, f.commit} {
			st.Close()
		}
	})
	// No ANALYZE: the store runs none, and SQLite has no statistics
	// without it.
	return f
}

// round sends n messages from the fixture's writers at once, each for its
// own contacts, and returns how long it took.
func (f *benchFixture) round(b *testing.B, n int, send func(contact int, ext string) error) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	for w := range f.writers {
		wg.Go(func() {
			for i := w; i < n; i += f.writers {
				contact := w*contactsPerWriter + (i/f.writers)%contactsPerWriter
				if err := send(contact, fmt.Sprint("m", f.seq.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// engine sends a message through Engine.Receive: the idempotency check,
// the contact and conversation lookup, the R9 decision, the writes, the
// commit and the publication of the event (the drain).
func (f *benchFixture) engine(contact int, ext string) error {
	_, err := f.eng.Receive(context.Background(), contactcenter.Inbound{Workspace: "bench", Channel: "tg", ExternalID: ext,
		From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", contact)}, Text: "one more message"})
	return err
}

// engineRound is a round of engine, and the publication of what the
// background publisher has left, so that none of it runs in the next
// round.
func (f *benchFixture) engineRound(b *testing.B, n int) time.Duration {
	start := time.Now()
	f.round(b, n, f.engine)
	if err := f.eng.PublishPending(context.Background()); err != nil {
		b.Error(err)
	}
	return time.Since(start)
}

// bare is the minimum a store must do for the same message, in one
// transaction on the store's writer connection: insert the message,
// update the conversation. It runs as the store runs its own write
// transactions, the fastest way database/sql offers: BEGIN IMMEDIATE,
// the two writes and COMMIT as statements prepared on the connection
// (sql.Tx would cost a goroutine per transaction and bind each statement
// anew).
func (f *benchFixture) bare(contact int, ext string) error {
	ctx := context.Background()
	return sqlite.WithWriter(f.s, func(c *sql.Conn) (err error) {
		if _, err := f.begin.ExecContext(ctx); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				_, _ = c.ExecContext(ctx, `ROLLBACK`)
			}
		}()
		now := time.Now().UnixMicro()
		if _, err := f.insertMessage.ExecContext(ctx, "bare-"+ext, string(f.convs[contact]), now); err != nil {
			return err
		}
		if _, err := f.updateConversation.ExecContext(ctx, now, string(f.convs[contact])); err != nil {
			return err
		}
		_, err = f.commit.ExecContext(ctx)
		return err
	})
}

// BenchmarkInbound compares inbound messages to open conversations
// through the engine with a bare transaction that does the minimum
// (insert the message, update the conversation) on the same file, with
// one writer and with eight. b.N messages go each way, in slices of 500
// that alternate between the two (every other pair in the reverse order),
// so that both meet the same file (its size, the WAL's checkpoints). The
// metrics: engine/bare is the engine's rate over the bare one, min,
// median and max over the pairs of slices; the rate of each; and the
// share of inbound look-ups the store's cache answered.
//
//	go test -run '^$' -bench 'Inbound$' -benchtime 10000x ./store/sqlite/
func BenchmarkInbound(b *testing.B) { benchInbound(b, true) }

// BenchmarkInboundUnpublished is BenchmarkInbound with an engine that
// publishes nothing: it stores each message's event, and never drains
// them. It is what the engine would cost with a drain that cost nothing.
//
//	go test -run '^$' -bench 'InboundUnpublished' -benchtime 10000x ./store/sqlite/
func BenchmarkInboundUnpublished(b *testing.B) { benchInbound(b, false) }

func benchInbound(b *testing.B, publish bool) {
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			f := newBenchFixture(b, writers, publish)
			const slice = 500
			var engineTime, bareTime time.Duration
			var ratios []float64
			b.ResetTimer()
			for done, pair := 0, 0; done < b.N; pair++ {
				n := min(slice, b.N-done)
				var e, r time.Duration
				if pair%2 == 0 {
					r = f.round(b, n, f.bare)
					e = f.engineRound(b, n)
				} else {
					e = f.engineRound(b, n)
					r = f.round(b, n, f.bare)
				}
				engineTime += e
				bareTime += r
				ratios = append(ratios, float64(r)/float64(e))
				done += n
			}
			b.StopTimer()
			slices.Sort(ratios)
			b.ReportMetric(float64(b.N)/engineTime.Seconds(), "engine-msgs/s")
			b.ReportMetric(float64(b.N)/bareTime.Seconds(), "bare-msgs/s")
			b.ReportMetric(ratios[0], "engine/bare-min")
			b.ReportMetric(ratios[len(ratios)/2], "engine/bare-med")
			b.ReportMetric(ratios[len(ratios)-1], "engine/bare-max")
			if hits, misses, _, _ := sqlite.LookupStats(f.s); hits+misses > 0 {
				b.ReportMetric(float64(hits)/float64(hits+misses), "lookup-hits")
			}
		})
	}
}
