package contactcenter_test

import (
	"context"
	"fmt"
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
	assert.Equal(t, 2, n, "the first, then the second")
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
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: blockingTransport{channel.NewMemoryTransport(channel.Capabilities{Text: true})}, By: conversation.Host()}))
	_, err = eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws}, By: conversation.Host()})
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

// A channel's rate limits space the sends: the second reply to one chat
// waits a second, and Run sends it as soon as the limit allows.
func TestDeliveryRateLimited(t *testing.T) {
	f := newFixtureOn(t, memory.New(), channel.Capabilities{Text: true, Limits: channel.Limits{PerChatPerSecond: 1}})
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	first := f.reply(t, c.ID, "ana", "one")
	second := f.reply(t, c.ID, "ana", "two")
	assert.Equal(t, conversation.DeliverySent, first.Delivery)
	assert.Equal(t, conversation.DeliveryPending, second.Delivery, "1 a second per chat")
	assert.Equal(t, 0, second.Attempts, "not tried: held back, not failed")
	other := f.write(t, "chat-2", "u2", "hello").Conversation
	assert.Equal(t, conversation.DeliverySent, f.reply(t, other.ID, "bruno", "for chat 2").Delivery, "another chat is not held up")

	f.clock.Advance(500 * time.Millisecond)
	n, err := f.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Zero(t, n)
	f.clock.Advance(500 * time.Millisecond)
	n, err = f.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, "two", f.tr.Sent()[2].Text)
}

// R18: a 429 holds every send of the account for its retry_after.
func TestDeliveryRetryAfterHoldsAccount(t *testing.T) {
	f := newFixture(t)
	a := f.write(t, "chat-1", "u1", "hi").Conversation
	b := f.write(t, "chat-2", "u2", "hi").Conversation
	f.tr.Fail(&channel.RetryAfterError{After: 5 * time.Second})
	m := f.reply(t, a.ID, "ana", "one")
	assert.Equal(t, conversation.DeliveryPending, m.Delivery)
	m2 := f.reply(t, b.ID, "ana", "two")
	assert.Equal(t, conversation.DeliveryPending, m2.Delivery, "another chat waits too: the whole bot")
	assert.Zero(t, m2.Attempts)
	f.clock.Advance(5 * time.Second)
	n, err := f.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Len(t, f.tr.Sent(), 2)
}

// A contact who blocked the account is flagged unreachable, with an event;
// their next message clears the flag.
func TestDeliveryBlockedContact(t *testing.T) {
	f := newFixture(t)
	r := f.write(t, "chat-1", "u1", "hi")
	f.rec.take()
	f.tr.Fail(fmt.Errorf("telegram: 403: %w", channel.ErrBlocked))
	m := f.reply(t, r.Conversation.ID, "ana", "hello?")
	assert.Equal(t, conversation.DeliveryFailed, m.Delivery)
	assert.ErrorIs(t, fmt.Errorf("x: %w", channel.ErrBlocked), channel.ErrRefused)
	k, err := f.eng.Contact(bg, ws, r.Contact.ID)
	require.NoError(t, err)
	assert.True(t, k.Unreachable)
	assert.Equal(t, []conversation.EventType{conversation.EventConversationAssigned, conversation.EventMessageQueued,
		conversation.EventMessageFailed, conversation.EventContactUnreachable}, types(f.rec.take()))

	f.write(t, "chat-1", "u2", "I unblocked you")
	k, err = f.eng.Contact(bg, ws, r.Contact.ID)
	require.NoError(t, err)
	assert.False(t, k.Unreachable)
}
