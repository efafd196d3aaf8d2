package postgres_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/ticket"
)

// An unreachable database is reported by Open, clearly and quickly.
func TestOpenUnreachable(t *testing.T) {
	start := time.Now()
	_, err := postgres.Open(context.Background(), "postgres://127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reach the database")
	assert.Less(t, time.Since(start), 10*time.Second)

	_, err = postgres.Open(context.Background(), "postgres://%zz")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invalid DSN")
}

// killer is a store whose next Update has its connection terminated by the
// server (pg_terminate_backend) in the middle: after the command has read,
// reserved a ticket number and written what it flushed, before the rest of
// its writes and the commit.
type killer struct {
	*postgres.Store
	admin  *pgx.Conn
	armed  atomic.Bool
	killed atomic.Bool
}

func (k *killer) Update(ctx context.Context, fn func(store.Tx) error) error {
	return k.Store.Update(ctx, func(tx store.Tx) error {
		if err := fn(tx); err != nil || !k.armed.Swap(false) {
			return err
		}
		var n int
		if err := k.admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity
			WHERE application_name = 'cc-victim' AND state LIKE 'idle in transaction%'`).Scan(&n); err != nil {
			return err
		}
		k.killed.Store(n == 1)
		return nil
	})
}

// A connection killed in the middle of a command gives an error and leaves
// the state as it was; the next command works on a new connection.
func TestConnectionKilledMidCommand(t *testing.T) {
	dsn := freshSchema(t)
	ctx := context.Background()
	victim := open(t, dsn+"&application_name=cc-victim")
	t.Cleanup(func() { victim.Close() })
	admin, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close(ctx) })

	k := &killer{Store: victim, admin: admin}
	eng, err := contactcenter.New(contactcenter.Config{Store: k})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	in := contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "hello"}

	tables := []string{"cc_contacts", "cc_contact_handles", "cc_tickets", "cc_ticket_counters", "cc_conversations", "cc_messages", "cc_events"}
	before := map[string]int{}
	for _, table := range tables {
		var n int
		require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n))
		before[table] = n // the channel's config.changed is in cc_events
	}

	k.armed.Store(true)
	_, err = eng.Receive(ctx, in)
	require.True(t, k.killed.Load(), "the victim's backend was terminated")
	require.Error(t, err)
	assert.ErrorIs(t, err, contactcenter.ErrUnavailable)
	assert.NotEmpty(t, err.Error())

	for _, table := range tables {
		var n int
		require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n))
		assert.Equal(t, before[table], n, "%s is as it was", table)
	}

	r, err := eng.Receive(ctx, in)
	require.NoError(t, err, "the next command gets a live connection")
	assert.Equal(t, ticket.Number(1), r.Conversation.TicketNumber, "the killed reservation left no gap")
	assert.True(t, r.Opened)
}

// cachedKiller terminates its Store's connections once fn has run, in an
// Update whose look-up the inbound cache answered: the check, the writes
// and COMMIT, sent together at the end, meet a dead connection.
type cachedKiller struct {
	*postgres.Store
	admin  *pgx.Conn
	armed  atomic.Bool
	killed atomic.Bool
}

func (k *cachedKiller) Update(ctx context.Context, fn func(store.Tx) error) error {
	return k.Store.Update(ctx, func(tx store.Tx) error {
		if err := fn(tx); err != nil || !postgres.UsedInboundCache(tx) || !k.armed.Swap(false) {
			return err
		}
		var n int
		if err := k.admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity
			WHERE application_name = 'cc-victim'`).Scan(&n); err != nil {
			return err
		}
		k.killed.Store(n > 0)
		return nil
	})
}

// A connection killed before the one round trip of a message whose
// look-up the cache answered: an error, nothing stored, the sender's
// entry dropped; the channel's redelivery is stored once, and a second
// one is a duplicate (R18).
func TestConnectionKilledAtCachedCommit(t *testing.T) {
	dsn := freshSchema(t)
	ctx := context.Background()
	victim := open(t, dsn+"&application_name=cc-victim")
	t.Cleanup(func() { victim.Close() })
	admin, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close(ctx) })
	k := &cachedKiller{Store: victim, admin: admin}
	eng, err := contactcenter.New(contactcenter.Config{Store: k})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	in := func(id string) contactcenter.Inbound {
		return contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: id, From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "hello " + id}
	}
	for _, id := range []string{"u1", "u2"} {
		_, err := eng.Receive(ctx, in(id))
		require.NoError(t, err)
	}
	require.Equal(t, 1, postgres.InboundCached(victim), "the sender is cached")
	messages := func() (n int) {
		require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM cc_messages`).Scan(&n))
		return n
	}
	before := messages()

	k.armed.Store(true)
	_, err = eng.Receive(ctx, in("u3"))
	require.True(t, k.killed.Load(), "the victim's connection was terminated")
	require.Error(t, err)
	assert.ErrorIs(t, err, contactcenter.ErrUnavailable)
	assert.Equal(t, before, messages(), "nothing stored")
	assert.Equal(t, 0, postgres.InboundCached(victim), "the entry of a failed transaction is dropped")

	r, err := eng.Receive(ctx, in("u3"))
	require.NoError(t, err, "the redelivery works on a new connection")
	assert.False(t, r.Duplicate)
	assert.Equal(t, before+1, messages())
	r, err = eng.Receive(ctx, in("u3"))
	require.NoError(t, err)
	assert.True(t, r.Duplicate, "a second redelivery is a duplicate")
	assert.Equal(t, before+1, messages(), "stored once")
}
