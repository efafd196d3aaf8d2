package contactcenter_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// Run retries a reply the channel could not take, after the backoff, and
// stops with its context (R18).
func TestRunRetriesPendingMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
		eng, err := contactcenter.New(contactcenter.Config{Store: memory.New()})
		require.NoError(t, err)
		require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: tr, By: conversation.Host()}))
		_, err = eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws}, By: conversation.Host()})
		require.NoError(t, err)
		r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
		require.NoError(t, err)
		tr.Fail(channel.ErrUnavailable, channel.ErrUnavailable)
		m, err := eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: r.Conversation.ID, Agent: "ana", Text: "hello"})
		require.NoError(t, err)
		require.Equal(t, conversation.DeliveryPending, m.Delivery)

		ctx, cancel := context.WithCancel(bg)
		done := make(chan error)
		go func() { done <- eng.Run(ctx, 100*time.Millisecond) }()

		time.Sleep(900 * time.Millisecond) // fake time: the first retry is due after 1s
		synctest.Wait()
		assert.Empty(t, tr.Sent(), "not before the backoff")
		time.Sleep(200 * time.Millisecond) // second attempt fails; the next is due 2s later
		synctest.Wait()
		assert.Empty(t, tr.Sent())
		time.Sleep(2 * time.Second)
		synctest.Wait()
		require.Len(t, tr.Sent(), 1)
		assert.Equal(t, "hello", tr.Sent()[0].Text)

		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
		ms, err := eng.Messages(bg, ws, r.Conversation.ID)
		require.NoError(t, err)
		assert.Equal(t, conversation.DeliverySent, ms[1].Delivery)
		assert.Equal(t, 3, ms[1].Attempts)
	})
}

func TestDefaultBackoff(t *testing.T) {
	for attempts, want := range map[int]time.Duration{
		0: time.Second, 1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 9: 256 * time.Second, 10: 5 * time.Minute, 1000: 5 * time.Minute,
	} {
		assert.Equal(t, want, contactcenter.DefaultBackoff(attempts), "attempts %d", attempts)
	}
}

func TestIDs(t *testing.T) {
	next := contactcenter.SequentialIDs("x")
	assert.Equal(t, "x1", next())
	assert.Equal(t, "x2", next())

	// Default ids are unique, also across engines (processes).
	seen := map[conversation.MessageID]bool{}
	for range 2 {
		eng, err := contactcenter.New(contactcenter.Config{Store: memory.New()})
		require.NoError(t, err)
		require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
		for i := range 50 {
			r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: string(rune('a' + i)), From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
			require.NoError(t, err)
			assert.False(t, seen[r.Message.ID], "id %s repeated", r.Message.ID)
			seen[r.Message.ID] = true
		}
	}
}

// A publisher that fails does not fail the command whose change is stored.
func TestPublishFailureDoesNotFailCommand(t *testing.T) {
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(),
		Publish: func(context.Context, conversation.Event) error { return errors.New("down") }})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	require.NoError(t, err)
	assert.True(t, r.Opened)
}
