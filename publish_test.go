package contactcenter_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// R17: a publisher that fails part-way through does not see the events it
// published again; the rest follow, in order.
func TestPublishFailurePartWay(t *testing.T) {
	var calls atomic.Int32
	var seen []conversation.EventType
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), Publish: func(_ context.Context, e conversation.Event) error {
		if calls.Add(1) == 3 { // the second event of the message (the first call is the channel's config.changed)
			return errors.New("webhook timeout")
		}
		seen = append(seen, e.Type)
		return nil
	}})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	_, err = eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	require.NoError(t, err)
	assert.Equal(t, []conversation.EventType{contactcenter.EventConfigChanged, conversation.EventTicketOpened}, seen, "the channel's config.changed, then the message's first event")
	require.NoError(t, eng.PublishPending(bg))
	assert.Equal(t, []conversation.EventType{contactcenter.EventConfigChanged, conversation.EventTicketOpened, conversation.EventConversationOpened, conversation.EventMessageReceived}, seen,
		"each event once, in order")
}

// R17: Publish may call the engine; the events of that call are published
// too, after the ones before them.
func TestPublishMayCallEngine(t *testing.T) {
	f := newFixture(t)
	var eng *contactcenter.Engine
	var seen []conversation.EventType
	var err error
	eng, err = contactcenter.New(contactcenter.Config{Store: f.store, Now: f.clock.Now, Publish: func(ctx context.Context, e conversation.Event) error {
		seen = append(seen, e.Type)
		if e.Type == conversation.EventMessageReceived {
			// An auto-assignment rule of the host's.
			_, err := eng.Assign(ctx, contactcenter.Assignment{Workspace: e.Workspace, Conversation: e.Conversation, To: "ana", By: conversation.Host()})
			return err
		}
		return nil
	}})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: f.tr, By: conversation.Host()}))
	done := make(chan error)
	go func() {
		_, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
		done <- err
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Receive did not return: publishing waits for itself")
	}
	assert.Equal(t, []conversation.EventType{contactcenter.EventConfigChanged, conversation.EventTicketOpened, conversation.EventConversationOpened,
		conversation.EventMessageReceived, conversation.EventConversationAssigned}, seen)
}

// An engine without Publish leaves the events for an engine that publishes.
func TestEngineWithoutPublishKeepsEvents(t *testing.T) {
	s := memory.New()
	down := errors.New("webhook down")
	var seen []conversation.EventType
	fail := true
	main, err := contactcenter.New(contactcenter.Config{Store: s, Publish: func(_ context.Context, e conversation.Event) error {
		if fail {
			return down
		}
		seen = append(seen, e.Type)
		return nil
	}})
	require.NoError(t, err)
	worker, err := contactcenter.New(contactcenter.Config{Store: s})
	require.NoError(t, err)
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	require.NoError(t, main.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: tr, By: conversation.Host()}))
	require.NoError(t, worker.PutTransport(channel.KindMemory, "", tr), "the worker serves the stored channel with its transport")
	_, err = main.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	require.NoError(t, err)
	_, err = worker.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws}, By: conversation.Host()})
	require.NoError(t, err)
	_, err = worker.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u2", From: contactcenter.Sender{ExternalID: "c"}, Text: "again"})
	require.NoError(t, err)

	fail = false
	require.NoError(t, main.PublishPending(bg))
	assert.Equal(t, []conversation.EventType{contactcenter.EventConfigChanged, conversation.EventTicketOpened, conversation.EventConversationOpened,
		conversation.EventMessageReceived, conversation.EventMessageReceived}, seen)
	n, err := s.DrainEvents(bg, 10, func(context.Context, []conversation.Event) (int, error) { return 0, nil })
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left")
}

// R17: a Publish that fails for a while is tried again in the background
// until it succeeds; publishing never stops for good.
func TestPublishRecoversInBackground(t *testing.T) {
	var mu sync.Mutex
	failures := 3
	var seen []conversation.EventType
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), Publish: func(_ context.Context, e conversation.Event) error {
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			return errors.New("webhook down")
		}
		seen = append(seen, e.Type)
		return nil
	}})
	require.NoError(t, err)
	defer eng.Close()
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	_, err = eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == 4
	}, 10*time.Second, 5*time.Millisecond, "published once Publish works again")
	mu.Lock()
	assert.Equal(t, []conversation.EventType{contactcenter.EventConfigChanged, conversation.EventTicketOpened, conversation.EventConversationOpened, conversation.EventMessageReceived}, seen)
	mu.Unlock()

	// And later commands publish as usual.
	_, err = eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u2", From: contactcenter.Sender{ExternalID: "c"}, Text: "again"})
	require.NoError(t, err)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) == 5 }, 10*time.Second, 5*time.Millisecond)
}

// R17: a caller who leaves right after the command does not strand its
// events.
func TestPublishAfterCallerLeft(t *testing.T) {
	var mu sync.Mutex
	var seen int
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), Publish: func(context.Context, conversation.Event) error {
		mu.Lock()
		seen++
		mu.Unlock()
		return nil
	}})
	require.NoError(t, err)
	defer eng.Close()
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	ctx, cancel := context.WithCancel(bg)
	r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	cancel()
	require.NoError(t, err)
	assert.True(t, r.Opened)
	mu.Lock()
	assert.Equal(t, 4, seen, "the channel's config.changed and the message's three events")
	mu.Unlock()
}

// R17: PublishBatch receives the drained events at once; those after the
// count it returns stay stored and come again, in order, each once.
func TestPublishBatchPartWay(t *testing.T) {
	var mu sync.Mutex
	var seen []conversation.EventType
	var batches int
	failed := false
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), PublishBatch: func(_ context.Context, evs []conversation.Event) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		batches++
		for i, e := range evs {
			if e.Type == conversation.EventConversationOpened && !failed {
				failed = true
				return i, errors.New("broker unavailable")
			}
			seen = append(seen, e.Type)
		}
		return len(evs), nil
	}})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	_, err = eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	require.NoError(t, err)
	require.NoError(t, eng.PublishPending(bg))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []conversation.EventType{contactcenter.EventConfigChanged, conversation.EventTicketOpened, conversation.EventConversationOpened, conversation.EventMessageReceived}, seen,
		"each event once, in order, the unpublished rest again")
	assert.GreaterOrEqual(t, batches, 3, "the channel's event, the message's events up to the failure, the rest")
}

// PublishBatch and Publish exclude each other.
func TestPublishAndPublishBatch(t *testing.T) {
	_, err := contactcenter.New(contactcenter.Config{Store: memory.New(),
		Publish:      func(context.Context, conversation.Event) error { return nil },
		PublishBatch: func(_ context.Context, evs []conversation.Event) (int, error) { return len(evs), nil }})
	var ee *contactcenter.Error
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, contactcenter.CodeInvalid, ee.Code)
	assert.ErrorContains(t, err, "both Publish and PublishBatch")
}
