package contactcenter_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
)

// heldDrain is a store whose drain a killed process holds until its lease
// ends: DrainEvents answers store.ErrBusy until then.
type heldDrain struct {
	store.Store
	until time.Time
}

func (s *heldDrain) DrainEvents(ctx context.Context, limit int, fn func(context.Context, []conversation.Event) (int, error)) (int, error) {
	if time.Now().Before(s.until) {
		return 0, store.ErrBusy
	}
	return s.Store.DrainEvents(ctx, limit, fn)
}

// leaveEvents stores the events of a first message the way a process that
// stopped before publishing leaves them.
func leaveEvents(t *testing.T, s store.Store) {
	t.Helper()
	down := errors.New("stopped")
	eng, err := contactcenter.New(contactcenter.Config{Store: s, Publish: func(context.Context, conversation.Event) error { return down }})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	_, err = eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	require.NoError(t, err)
	require.NoError(t, eng.Close())
}

// R17: Run publishes the events a stopped process left, in the
// background, without a call to PublishPending.
func TestRunPublishesWhatWasLeft(t *testing.T) {
	s := memory.New()
	leaveEvents(t, s)
	var mu sync.Mutex
	var seen []conversation.EventType
	eng, err := contactcenter.New(contactcenter.Config{Store: s, Publish: func(_ context.Context, e conversation.Event) error {
		mu.Lock()
		seen = append(seen, e.Type)
		mu.Unlock()
		return nil
	}})
	require.NoError(t, err)
	defer eng.Close()
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx, time.Second) }()
	defer func() { cancel(); <-done }()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) == 4 }, 10*time.Second, 5*time.Millisecond,
		"Run publishes what the stopped process left")
	mu.Lock()
	assert.Equal(t, []conversation.EventType{contactcenter.EventConfigChanged, conversation.EventTicketOpened, conversation.EventConversationOpened, conversation.EventMessageReceived}, seen)
	mu.Unlock()
}

// R17: while a killed process's drain holds the store, Run serves (a
// command works at once) and publishes within a second of the drain
// ending.
func TestRunPublishesSoonAfterAKilledDrain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const held = 3 * time.Second
		s := &heldDrain{Store: memory.New(), until: time.Now().Add(held)}
		leaveEvents(t, s)
		var mu sync.Mutex
		var at []time.Time
		eng, err := contactcenter.New(contactcenter.Config{Store: s, Publish: func(context.Context, conversation.Event) error {
			mu.Lock()
			at = append(at, time.Now())
			mu.Unlock()
			return nil
		}})
		require.NoError(t, err)
		require.NoError(t, eng.PutTransport(channel.KindMemory, "bot", channel.NewMemoryTransport(channel.Capabilities{Text: true})), "the stored channel needs only its transport")
		start := time.Now()
		ctx, cancel := context.WithCancel(bg)
		done := make(chan error, 1)
		go func() { done <- eng.Run(ctx, time.Second) }()
		defer func() {
			cancel()
			<-done
			_ = eng.Close() // the background publisher stops too
		}()

		_, err = eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u2", From: contactcenter.Sender{ExternalID: "c"}, Text: "again"})
		require.NoError(t, err, "a command does not wait for the held drain")
		assert.Zero(t, time.Since(start), "at once")

		time.Sleep(held + time.Second)
		synctest.Wait()
		mu.Lock()
		require.Len(t, at, 5, "what was left (the channel's config.changed and a message's three events) and what came since")
		assert.LessOrEqual(t, at[0].Sub(start), held+time.Second, "published within a second of the drain ending")
		mu.Unlock()
	})
}
