package contactcenter_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// R2, R17: Settle returns only once the bot's turn that a message started
// in the background is done, its answer sent and every event published;
// a context that ends first ends the wait with its error.
func TestSettleWaitsForTheBotsTurn(t *testing.T) {
	release := make(chan struct{})
	bot := &scriptBot{reply: func(ctx context.Context, tn chatbot.Turn) (chatbot.Reply, error) {
		select {
		case <-release:
		case <-ctx.Done():
			return chatbot.Reply{}, ctx.Err()
		}
		return echo(ctx, tn)
	}}
	f := newBotFixture(t, memory.New(), bot, channel.Bot{TurnTimeout: time.Minute})
	r := f.write(t, "c1", "u1", "hello")

	short, cancel := context.WithTimeout(bg, 30*time.Millisecond)
	defer cancel()
	err := f.eng.Settle(short)
	require.Error(t, err, "the bot's turn still runs")
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.Empty(t, f.book.of(conversation.EventBotTurnFinished, r.Conversation.ID))

	settled := make(chan error, 1)
	go func() { settled <- f.eng.Settle(bg) }()
	select {
	case err := <-settled:
		t.Fatalf("Settle returned (%v) while the bot's turn runs", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	require.NoError(t, <-settled)
	assert.Len(t, f.book.of(conversation.EventBotTurnFinished, r.Conversation.ID), 1, "the turn's events are published when Settle returns")
	assert.Len(t, f.book.of(conversation.EventMessageSent, r.Conversation.ID), 1, "the bot's answer is sent and its event published")
	assert.Equal(t, []string{"bot: hello"}, f.botTexts(t, r.Conversation.ID))
}

// gatedPublisher publishes into book, and holds the publication of each
// event while its gate is shut, saying on held when one waits.
type gatedPublisher struct {
	book *eventLog
	mu   sync.Mutex
	gate chan struct{} // nil: open
	held chan struct{}
}

func (p *gatedPublisher) shut() {
	p.mu.Lock()
	p.gate, p.held = make(chan struct{}), make(chan struct{}, 1)
	p.mu.Unlock()
}

func (p *gatedPublisher) open() {
	p.mu.Lock()
	close(p.gate)
	p.gate = nil
	p.mu.Unlock()
}

func (p *gatedPublisher) publish(ctx context.Context, e conversation.Event) error {
	p.mu.Lock()
	gate, held := p.gate, p.held
	p.mu.Unlock()
	if gate != nil {
		select {
		case held <- struct{}{}:
		default:
		}
		<-gate
	}
	return p.book.publish(ctx, e)
}

// pendingPublishRace returns an engine whose PublishPending was draining,
// its Publish held, while a message (returned) was received: the message's
// command left its events to that drain, which had already read what it
// would publish.
func pendingPublishRace(t *testing.T) (*contactcenter.Engine, *gatedPublisher, contactcenter.Received) {
	t.Helper()
	st := memory.New()
	pub := &gatedPublisher{book: &eventLog{}}
	f := newFixtureOn(t, st, fullCaps, func(c *contactcenter.Config) { c.Publish, c.Logger = pub.publish, testLogger(t) })
	t.Cleanup(func() { _ = f.eng.Close() })
	require.NoError(t, f.eng.Settle(bg))
	// An engine without Publish stores events it never publishes: the
	// other engine's PublishPending has them to drain.
	quiet, err := contactcenter.New(contactcenter.Config{Store: st, Now: f.clock.Now, NewID: contactcenter.SequentialIDs("q"), Logger: testLogger(t)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = quiet.Close() })
	require.NoError(t, quiet.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))

	pub.shut()
	pending := make(chan error, 1)
	go func() { pending <- f.eng.PublishPending(bg) }()
	<-pub.held
	r := f.write(t, "c1", "u1", "hello")
	assert.Empty(t, pub.book.of(conversation.EventMessageReceived, r.Conversation.ID), "the drain under way publishes the message's events")
	pub.open()
	require.NoError(t, <-pending)
	return f.eng, pub, r
}

// R17: events a command leaves to a PublishPending under way, stored after
// that drain read its batch, are published without another call: nothing
// stays stored until the next command.
func TestEventsLeftToPublishPendingArePublished(t *testing.T) {
	_, pub, r := pendingPublishRace(t)
	pub.book.wait(t, conversation.EventMessageReceived, r.Conversation.ID, 1)
}

// R17: Settle publishes the events a command left to a drain under way
// before it returns, and then the next command publishes its own before
// it returns.
func TestSettlePublishesWhatACommandLeftToADrain(t *testing.T) {
	eng, pub, r := pendingPublishRace(t)
	require.NoError(t, eng.Settle(bg))
	require.Len(t, pub.book.of(conversation.EventMessageReceived, r.Conversation.ID), 1)

	m, err := eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: r.Conversation.ID, Agent: "ana", Text: "Hi, Ana here."})
	require.NoError(t, err)
	assigned := pub.book.of(conversation.EventConversationAssigned, r.Conversation.ID)
	require.Len(t, assigned, 1, "the reply's assignment is published when Reply returns")
	var sent []conversation.Event
	for _, e := range pub.book.of(conversation.EventMessageSent, r.Conversation.ID) {
		if e.Message == m.ID {
			sent = append(sent, e)
		}
	}
	require.Len(t, sent, 1, "the reply's send is published when Reply returns")
	assert.Less(t, assigned[0].Seq, sent[0].Seq)
}

// R17: while the host's Publish fails, Settle returns that failure rather
// than wait for a background publisher that goes on trying; the events
// stay stored and are published once Publish works again.
func TestSettleReturnsAFailingPublish(t *testing.T) {
	errDown := errors.New("the host's bus is down")
	book := &eventLog{}
	var mu sync.Mutex
	down := true
	f := newFixtureOn(t, memory.New(), fullCaps, func(c *contactcenter.Config) {
		c.Publish = func(ctx context.Context, e conversation.Event) error {
			mu.Lock()
			defer mu.Unlock()
			if down {
				return errDown
			}
			return book.publish(ctx, e)
		}
		c.Logger = testLogger(t)
	})
	eng := f.eng
	t.Cleanup(func() { _ = eng.Close() })
	r := f.write(t, "c1", "u1", "hello")

	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	err := eng.Settle(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, errDown)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)

	mu.Lock()
	down = false
	mu.Unlock()
	require.NoError(t, eng.Settle(bg))
	assert.Len(t, book.of(conversation.EventMessageReceived, r.Conversation.ID), 1)
}
