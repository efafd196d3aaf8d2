package contactcenter_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// Replies of one conversation reach the contact in the order they were
// written, even when the first one has to wait for a retry.
func TestDeliveryKeepsOrder(t *testing.T) {
	f := newFixture(t)
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	f.tr.Fail(channel.ErrUnavailable)
	first := f.reply(t, c.ID, "ana", "1) Let me check your order")
	second := f.reply(t, c.ID, "ana", "2) Done, it ships tomorrow")
	assert.Equal(t, conversation.DeliveryPending, first.Delivery)
	assert.Equal(t, conversation.DeliveryPending, second.Delivery, "waits behind the first")
	assert.Empty(t, f.tr.Sent())

	f.clock.Advance(time.Second)
	n, err := f.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the first is tried; the second follows it at once")
	sent := f.tr.Sent()
	require.Len(t, sent, 2)
	assert.Equal(t, "1) Let me check your order", sent[0].Text)
	assert.Equal(t, "2) Done, it ships tomorrow", sent[1].Text)

	// Another conversation is not held up by this one.
	f.tr.Fail(channel.ErrUnavailable)
	f.reply(t, c.ID, "ana", "3) waits")
	other := f.write(t, "chat-2", "u2", "hello").Conversation
	m := f.reply(t, other.ID, "bruno", "independent")
	assert.Equal(t, conversation.DeliverySent, m.Delivery)
}

// A reply whose caller goes away after the channel accepted it is recorded
// as sent, and not sent again.
func TestDeliveryRecordedAfterCallerLeaves(t *testing.T) {
	f := newFixture(t)
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	ctx, cancel := context.WithCancel(bg)
	f.tr.OnSend(func(channel.Outgoing) { cancel() }) // the agent's request ends as Telegram answers
	m, err := f.eng.Reply(ctx, contactcenter.Reply{Workspace: ws, Conversation: c.ID, Agent: "ana", Text: "hello"})
	require.NoError(t, err)
	assert.Equal(t, conversation.DeliverySent, m.Delivery)

	f.tr.OnSend(nil)
	f.clock.Advance(time.Hour)
	n, err := f.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Len(t, f.tr.Sent(), 1, "sent once")
}

// blockingTransport never answers a send before its context ends.
type blockingTransport struct{ *channel.MemoryTransport }

func (b blockingTransport) Send(ctx context.Context, _ channel.Outgoing) (channel.Receipt, error) {
	<-ctx.Done()
	return channel.Receipt{}, ctx.Err()
}

// A send that hangs is abandoned well within the claim, so no other attempt
// overlaps it; the message stays pending for a retry.
func TestDeliverySendIsTimeBounded(t *testing.T) {
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), ClaimTimeout: 200 * time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, eng.AddChannel(channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"},
		blockingTransport{channel.NewMemoryTransport(channel.Capabilities{Text: true})}))
	_, err = eng.PutAgent(bg, conversation.Agent{ID: "ana", Workspace: ws})
	require.NoError(t, err)
	r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	require.NoError(t, err)
	start := time.Now()
	m, err := eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: r.Conversation.ID, Agent: "ana", Text: "hello"})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, conversation.DeliveryPending, m.Delivery)
	assert.Equal(t, 1, m.Attempts)
	assert.Contains(t, m.Failure, "deadline")
}
