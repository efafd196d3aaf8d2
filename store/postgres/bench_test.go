package postgres_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
)

// BenchmarkInbound measures inbound messages to open conversations on
// PostgreSQL with several concurrent writers (8 goroutines, each writing for
// its own contacts), two ways in one run:
//
//   - engine: Engine.Receive, the whole command: idempotency check, contact
//     and conversation lookups, the R9 decision, the writes, the commit and
//     the publication of the event;
//
//   - bare: the minimum a store must do for the same message, in one
//     transaction: insert the message, update the conversation.
//
//     go test -run '^$' -bench Inbound -benchtime 20000x ./store/postgres/
func BenchmarkInbound(b *testing.B) {
	const writers, contactsPerWriter = 8, 16
	dsn := freshSchema(b)
	ctx := context.Background()
	s := open(b, dsn+"&pool_max_conns=32")
	defer s.Close()
	publish := func(context.Context, conversation.Event) error { return nil }
	if os.Getenv("NOPUB") != "" {
		publish = nil
	}
	eng, err := contactcenter.New(contactcenter.Config{Store: s, Publish: publish})
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.AddChannel(channel.Channel{ID: "tg", Workspace: "bench", Kind: channel.KindMemory, Account: "bot"},
		channel.NewMemoryTransport(channel.Capabilities{Text: true})); err != nil {
		b.Fatal(err)
	}
	// One open conversation per contact.
	convs := make([]conversation.ID, writers*contactsPerWriter)
	for i := range convs {
		r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "bench", Channel: "tg", ExternalID: fmt.Sprint("first-", i),
			From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", i)}, Text: "hello"})
		if err != nil {
			b.Fatal(err)
		}
		convs[i] = r.Conversation.ID
	}

	// Statistics, as a database in service has them.
	if _, err := s.Pool().Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}

	var run atomic.Int64 // makes external ids unique across sub-benchmark runs
	parallel := func(b *testing.B, send func(contact int, ext string) error) {
		prefix := fmt.Sprint("r", run.Add(1), "-")
		var writer atomic.Int64
		b.SetParallelism((writers + 1) / 2) // GOMAXPROCS 2 on this machine: 8 writers
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			w := int(writer.Add(1) - 1)
			for i := 0; pb.Next(); i++ {
				contact := (w%writers)*contactsPerWriter + i%contactsPerWriter
				if err := send(contact, fmt.Sprint(prefix, w, "-", i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	}

	b.Run("engine", func(b *testing.B) {
		parallel(b, func(contact int, ext string) error {
			_, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "bench", Channel: "tg", ExternalID: ext,
				From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", contact)}, Text: "one more message"})
			return err
		})
	})
	// The bare transaction, and the same with each further step the engine
	// takes, to show what costs what.
	const insertMessage = `INSERT INTO cc_messages (workspace, id, conversation_id, ticket_id, channel, direction, author_kind, author_agent,
		kind, body, attachments, external_id, created_at, delivery, attempts, next_attempt, failure, revisions, version)
		VALUES ('bench', $1, $2, '', 'tg', 1, 1, '', 1, 'one more message', '', $1, $3, 0, 0, 0, '', '', 1)`
	const updateConversation = `UPDATE cc_conversations SET last_activity = $1, version = version + 1 WHERE workspace = 'bench' AND id = $2`
	const lookup = `SELECT c.id, o.id, o.version FROM cc_contact_handles h JOIN cc_contacts c ON c.workspace = h.workspace AND c.id = h.contact_id
		LEFT JOIN cc_conversations o ON o.workspace = h.workspace AND o.channel = h.channel AND o.contact_external_id = h.external_id AND o.state = 1
		WHERE h.workspace = 'bench' AND h.channel = 'tg' AND h.external_id = $1`
	const insertEvent = `INSERT INTO cc_events (workspace, type, at, conversation_id, ticket_id, ticket_number, message_id, agent, previous, team, reason, presence)
		VALUES ('bench', 'message.received', $1, $2, '', 0, $3, '', '', '', '', 0)`
	bare := func(withLookup, withEvent bool) func(b *testing.B) {
		return func(b *testing.B) {
			pool := s.Pool()
			parallel(b, func(contact int, ext string) error {
				tx, err := pool.Begin(ctx)
				if err != nil {
					return err
				}
				defer tx.Rollback(ctx)
				now := time.Now().UnixMicro()
				if withLookup {
					var cid, oid string
					var v int64
					if err := tx.QueryRow(ctx, lookup, fmt.Sprint("chat-", contact)).Scan(&cid, &oid, &v); err != nil {
						return err
					}
				}
				if _, err := tx.Exec(ctx, insertMessage, "bare-"+ext, convs[contact], now); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, updateConversation, now, convs[contact]); err != nil {
					return err
				}
				if withEvent {
					if _, err := tx.Exec(ctx, insertEvent, now, convs[contact], "bare-"+ext); err != nil {
						return err
					}
				}
				return tx.Commit(ctx)
			})
		}
	}
	b.Run("pipelined", func(b *testing.B) {
		pool := s.Pool()
		parallel(b, func(contact int, ext string) error {
			pc, err := pool.Acquire(ctx)
			if err != nil {
				return err
			}
			defer pc.Release()
			now := time.Now().UnixMicro()
			var b1 pgx.Batch
			b1.Queue("BEGIN")
			b1.Queue(lookup, fmt.Sprint("chat-", contact))
			br := pc.SendBatch(ctx, &b1)
			br.Exec()
			var cid, oid string
			var v int64
			if err := br.QueryRow().Scan(&cid, &oid, &v); err != nil {
				return err
			}
			br.Close()
			var b2 pgx.Batch
			b2.Queue(`WITH w AS (`+updateConversation+` RETURNING 1) SELECT CASE WHEN count(*) = 1 THEN 1 ELSE cc_conflict() END FROM w`, now, convs[contact])
			b2.Queue(insertMessage, "pipe-"+ext, convs[contact], now)
			b2.Queue(insertEvent, now, convs[contact], "pipe-"+ext)
			b2.Queue("COMMIT")
			return pc.SendBatch(ctx, &b2).Close()
		})
	})
	b.Run("bare", bare(false, false))
	b.Run("bare+lookup", bare(true, false))
	b.Run("bare+lookup+event", bare(true, true))
}
