package contactcenter_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// R2: a bot that ignores its context and blocks past the channel's turn
// timeout fails the turn at the timeout all the same: after MaxFailures
// the customer goes to a human, and closing the engine is not held up by
// the blocked bot.
func TestBotThatIgnoresItsContextStillTimesOut(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	bot := &scriptBot{reply: func(context.Context, chatbot.Turn) (chatbot.Reply, error) {
		<-release // ignores ctx
		return chatbot.Reply{Messages: []chatbot.Message{{Text: "too late"}}}, nil
	}}
	f := newBotFixture(t, memory.New(), bot, channel.Bot{TurnTimeout: 20 * time.Millisecond, MaxFailures: 2,
		Fallback: channel.Fallback{Template: "sorry"}})
	id := f.write(t, "c1", "u1", "hello").Conversation.ID
	off := f.book.wait(t, conversation.EventBotHandedOff, id, 1)
	assert.Equal(t, conversation.ReasonBotFailed, off[0].Reason)
	failed := f.book.of(conversation.EventBotTurnFailed, id)
	require.Len(t, failed, 2)
	assert.Contains(t, failed[0].Detail, "turn timeout")
	assert.True(t, f.conv(t, id).Waiting())

	done := make(chan error, 1)
	go func() { done <- f.eng.Close() }()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for a bot that ignores its context")
	}
	assert.Empty(t, f.botTexts(t, id), "nothing of a late reply is applied")
}
