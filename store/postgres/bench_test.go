package postgres_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/postgres"
)

// The benchmarks write with 8 concurrent writers, each for its own 16
// contacts, whose conversations are open. $BENCH_PG_PARAMS is appended to
// the database's DSN, for runtime parameters such as
// &synchronous_commit=off.
const writers, contactsPerWriter = 8, 16

// benchFixture is a fresh database with an engine and one open
// conversation per contact.
type benchFixture struct {
	s     *postgres.Store
	eng   *contactcenter.Engine
	convs []conversation.ID
	seq   atomic.Int64 // makes external ids unique
}

func newBenchFixture(b *testing.B) *benchFixture {
	b.Helper()
	ctx := context.Background()
	f := &benchFixture{s: open(b, freshSchema(b)+"&pool_max_conns=32"+os.Getenv("BENCH_PG_PARAMS"))}
	b.Cleanup(func() { f.s.Close() })
	var err error
	f.eng, err = contactcenter.New(contactcenter.Config{Store: f.s,
		Publish: func(context.Context, conversation.Event) error { return nil }})
	if err != nil {
		b.Fatal(err)
	}
	if err := f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "bench", Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}); err != nil {
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
	// Statistics, as a database in service has them.
	if _, err := f.s.Pool().Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return f
}

// round sends n messages from the writers at once and returns how long it
// took.
func (f *benchFixture) round(b *testing.B, n int, send func(contact int, ext string) error) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w; i < n; i += writers {
				contact := w*contactsPerWriter + (i/writers)%contactsPerWriter
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
// commit and the publication of the event.
func (f *benchFixture) engine(contact int, ext string) error {
	_, err := f.eng.Receive(context.Background(), contactcenter.Inbound{Workspace: "bench", Channel: "tg", ExternalID: ext,
		From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", contact)}, Text: "one more message"})
	return err
}

const (
	insertMessage = `INSERT INTO cc_messages (workspace, id, conversation_id, ticket_id, channel, direction, author_kind, author_agent,
		kind, body, attachments, external_id, created_at, delivery, attempts, next_attempt, failure, revisions, version)
		VALUES ('bench', $1, $2, '', 'tg', 1, 1, '', 1, 'one more message', '', $1, $3, 0, 0, 0, '', '', 1)`
	updateConversation = `UPDATE cc_conversations SET last_activity = $1, version = version + 1 WHERE workspace = 'bench' AND id = $2`
	lookupContact      = `SELECT c.id, o.id, o.version FROM cc_contact_handles h JOIN cc_contacts c ON c.workspace = h.workspace AND c.id = h.contact_id
		LEFT JOIN cc_conversations o ON o.workspace = h.workspace AND o.channel = h.channel AND o.contact_external_id = h.external_id AND o.state = 1
		WHERE h.workspace = 'bench' AND h.channel = 'tg' AND h.external_id = $1`
	insertEvent = `INSERT INTO cc_events (workspace, type, at, conversation_id, ticket_id, ticket_number, message_id, agent, previous, team, reason, presence)
		VALUES ('bench', 'message.received', $1, $2, '', 0, $3, '', '', '', '', 0)`
)

// bare returns the minimum a store must do for the same message, in one
// plain transaction: insert the message, update the conversation; and,
// with lookup and event, the further steps the engine takes.
func (f *benchFixture) bare(lookup, event bool) func(contact int, ext string) error {
	return func(contact int, ext string) error {
		ctx := context.Background()
		tx, err := f.s.Pool().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		now := time.Now().UnixMicro()
		if lookup {
			var cid, oid string
			var v int64
			if err := tx.QueryRow(ctx, lookupContact, fmt.Sprint("chat-", contact)).Scan(&cid, &oid, &v); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, insertMessage, "bare-"+ext, f.convs[contact], now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, updateConversation, now, f.convs[contact]); err != nil {
			return err
		}
		if event {
			if _, err := tx.Exec(ctx, insertEvent, now, f.convs[contact], "bare-"+ext); err != nil {
				return err
			}
		}
		return tx.Commit(ctx)
	}
}

// pipelined is bare with the lookup and the event, sent in two round trips
// as the store sends them: BEGIN with the lookup, then the writes with
// COMMIT.
func (f *benchFixture) pipelined(contact int, ext string) error {
	ctx := context.Background()
	pc, err := f.s.Pool().Acquire(ctx)
	if err != nil {
		return err
	}
	defer pc.Release()
	now := time.Now().UnixMicro()
	var first pgx.Batch
	first.Queue("BEGIN")
	first.Queue(lookupContact, fmt.Sprint("chat-", contact))
	br := pc.SendBatch(ctx, &first)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return err
	}
	var cid, oid string
	var v int64
	if err := br.QueryRow().Scan(&cid, &oid, &v); err != nil {
		br.Close()
		return err
	}
	if err := br.Close(); err != nil {
		return err
	}
	var second pgx.Batch
	second.Queue(updateConversation, now, f.convs[contact])
	second.Queue(insertMessage, "pipe-"+ext, f.convs[contact], now)
	second.Queue(insertEvent, now, f.convs[contact], "pipe-"+ext)
	second.Queue("COMMIT")
	return pc.SendBatch(ctx, &second).Close()
}

// BenchmarkInbound compares inbound messages to open conversations through
// the engine with a bare transaction that does the minimum (insert the
// message, update the conversation), in the same run: rounds of 1,000
// messages alternate between the two, so both meet the same database
// (size, checkpoints, vacuum). b.N messages go each way.
//
//	go test -run '^$' -bench 'Inbound$' -benchtime 40000x ./store/postgres/
func BenchmarkInbound(b *testing.B) {
	f := newBenchFixture(b)
	bare := f.bare(false, false)
	var engineTime, bareTime time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(1000, b.N-done)
		bareTime += f.round(b, n, bare)
		engineTime += f.round(b, n, f.engine)
		done += n
	}
	engineRate := float64(b.N) / engineTime.Seconds()
	bareRate := float64(b.N) / bareTime.Seconds()
	b.ReportMetric(engineRate, "engine-msgs/s")
	b.ReportMetric(bareRate, "bare-msgs/s")
	b.ReportMetric(engineRate/bareRate, "engine/bare")
}

// BenchmarkInboundSteps shows what costs what: the bare transaction, then
// with the contact and conversation lookup, then with the event, then the
// same three statements sent in the store's two round trips.
//
//	go test -run '^$' -bench 'InboundSteps' -benchtime 20000x ./store/postgres/
func BenchmarkInboundSteps(b *testing.B) {
	f := newBenchFixture(b)
	for _, step := range []struct {
		name string
		send func(int, string) error
	}{
		{"bare", f.bare(false, false)},
		{"bare+lookup", f.bare(true, false)},
		{"bare+lookup+event", f.bare(true, true)},
		{"pipelined", f.pipelined},
		{"engine", f.engine},
	} {
		b.Run(step.name, func(b *testing.B) {
			d := f.round(b, b.N, step.send)
			b.ReportMetric(float64(b.N)/d.Seconds(), "msgs/s")
		})
	}
}
