package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
)

// R7: two engines on one database, both firing timers at the same moment,
// close each timed-out conversation exactly once.
func TestTimeoutOnceAcrossEngines(t *testing.T) {
	dsn := freshSchema(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	closes := map[conversation.ID]int{}
	var emu sync.Mutex
	publish := func(_ context.Context, e conversation.Event) error {
		if e.Type == conversation.EventConversationClosed {
			emu.Lock()
			closes[e.Conversation]++
			emu.Unlock()
		}
		return nil
	}
	engines := make([]*contactcenter.Engine, 2)
	for i := range engines {
		s := open(t, dsn)
		t.Cleanup(func() { s.Close() })
		var err error
		engines[i], err = contactcenter.New(contactcenter.Config{Store: s, Now: clock, Publish: publish})
		require.NoError(t, err)
		t.Cleanup(func() { engines[i].Close() })
		require.NoError(t, engines[i].PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindMemory, Account: "bot",
			Settings: channel.Settings{MessageTimeout: 10 * time.Minute}}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	}
	const conversations = 150
	for i := range conversations {
		_, err := engines[i%2].Receive(ctx, contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: fmt.Sprint("u", i),
			From: contactcenter.Sender{ExternalID: fmt.Sprint("c", i)}, Text: "hello"})
		require.NoError(t, err)
	}
	mu.Lock()
	now = now.Add(11 * time.Minute)
	mu.Unlock()

	fired := make([]int, 2)
	var wg sync.WaitGroup
	for i, eng := range engines {
		wg.Go(func() {
			n, err := eng.FireTimers(ctx)
			assert.NoError(t, err)
			fired[i] = n
		})
	}
	wg.Wait()
	for _, eng := range engines {
		require.NoError(t, eng.PublishPending(ctx))
	}
	assert.Equal(t, conversations, fired[0]+fired[1], "each timer handled once: %v", fired)
	emu.Lock()
	defer emu.Unlock()
	assert.Len(t, closes, conversations)
	for id, n := range closes {
		assert.Equal(t, 1, n, "conversation %s closed %d times", id, n)
	}
	q, err := engines[0].Queue(ctx, "w", 0)
	require.NoError(t, err)
	assert.Empty(t, q, "all closed")
}
