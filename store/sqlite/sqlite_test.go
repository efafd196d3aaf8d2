package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/sqlite"
	"github.com/telenet/contactcenter/store/storetest"
)

func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// twoHandles opens two Stores on one fresh file, as two processes would,
// closed when the test ends, and returns them with the file's path.
func twoHandles(t testing.TB) (a, b *sqlite.Store, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "cc.db")
	a, b = open(t, path), open(t, path)
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b, path
}

// The conformance suite on a fresh SQLite file.
func TestConformance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	storetest.Run(t, func(t testing.TB) store.Store { return open(t, path) })
}

// What is stored survives closing and opening the file again.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	eng := engineOn(t, s)
	r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "hello"})
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s = open(t, path)
	defer s.Close()
	eng = engineOn(t, s)
	c, err := eng.Conversation(ctx, "w", r.Conversation.ID)
	require.NoError(t, err)
	assert.Equal(t, ticket.Number(1), c.TicketNumber)
	again, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "hello"})
	require.NoError(t, err)
	assert.True(t, again.Duplicate, "idempotency survives the restart")
}

// Two stores on one file (as two processes would open it) serve concurrent
// engines: one conversation per contact, each message stored once, each
// event published once.
func TestTwoStoresOneFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	var mu sync.Mutex
	seen := map[uint64]int{}
	var engines []*contactcenter.Engine
	for i := range 2 {
		s := open(t, path)
		t.Cleanup(func() { s.Close() })
		eng, err := contactcenter.New(contactcenter.Config{Store: s, MaxAttempts: 200, Publish: func(_ context.Context, e conversation.Event) error {
			mu.Lock()
			seen[e.Seq]++
			mu.Unlock()
			return nil
		}})
		require.NoError(t, err)
		tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
		if i == 0 {
			require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindMemory, Account: "bot"}, Transport: tr, By: conversation.Host()}))
		} else {
			require.NoError(t, eng.PutTransport(channel.KindMemory, "bot", tr), "the second engine finds the stored channel")
		}
		engines = append(engines, eng)
	}
	const contacts, messages = 10, 5
	var wg sync.WaitGroup
	for _, eng := range engines {
		for c := range contacts {
			wg.Go(func() {
				for m := range messages {
					_, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: fmt.Sprintf("u-%d-%d", c, m),
						From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", c)}, Text: "hi"})
					assert.NoError(t, err)
				}
			})
		}
	}
	wg.Wait()
	for _, eng := range engines {
		require.NoError(t, eng.PublishPending(ctx))
	}
	q, err := engines[0].Queue(ctx, "w", 0)
	require.NoError(t, err)
	assert.Len(t, q, contacts, "one open conversation per contact")
	total := 0
	for _, c := range q {
		ms, err := engines[1].Messages(ctx, "w", c.ID)
		require.NoError(t, err)
		assert.Len(t, ms, messages, "each message once")
		total += len(ms)
	}
	assert.Equal(t, contacts*messages, total)
	mu.Lock()
	defer mu.Unlock()
	assert.Len(t, seen, 1+contacts*(3+messages-1), "the channel's config.changed, and each contact's messages' events")
	for seq, n := range seen {
		assert.Equal(t, 1, n, "event %d", seq)
	}
}

// A path that cannot be opened is reported by Open.
func TestOpenBadPath(t *testing.T) {
	_, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "missing-dir", "cc.db"))
	require.Error(t, err)
	_, err = sqlite.Open(context.Background(), "")
	require.Error(t, err)
}

func engineOn(t testing.TB, s store.Store) *contactcenter.Engine {
	t.Helper()
	eng, err := contactcenter.New(contactcenter.Config{Store: s})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	return eng
}
