package contactcenter_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/faultstore"
	"github.com/telenet/contactcenter/store/memory"
)

// gatedTransport is a MemoryTransport whose sends wait at a gate, counting
// how many are on their way at once.
type gatedTransport struct {
	*channel.MemoryTransport
	gate      chan struct{}
	now, most atomic.Int32
	started   chan struct{} // one value per send that reached the gate
}

func newGatedTransport() *gatedTransport {
	return &gatedTransport{MemoryTransport: channel.NewMemoryTransport(fullCaps), gate: make(chan struct{}), started: make(chan struct{}, 1000)}
}

func (g *gatedTransport) Send(ctx context.Context, m channel.Outgoing) (channel.Receipt, error) {
	n := g.now.Add(1)
	for {
		most := g.most.Load()
		if n <= most || g.most.CompareAndSwap(most, n) {
			break
		}
	}
	g.started <- struct{}{}
	defer g.now.Add(-1)
	select {
	case <-g.gate:
	case <-ctx.Done():
		return channel.Receipt{}, fmt.Errorf("%w: %w", channel.ErrUnavailable, ctx.Err())
	}
	return g.MemoryTransport.Send(ctx, m)
}

func inFlightEngine(t *testing.T, s store.Store, tr channel.Transport, inFlight int) *contactcenter.Engine {
	t.Helper()
	eng, err := contactcenter.New(contactcenter.Config{Store: s, MaxInFlight: inFlight, Publish: func(context.Context, conversation.Event) error { return nil }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: tr, By: conversation.Host()}))
	_, err = eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws, Name: "Ana", Presence: conversation.Online}, By: conversation.Host()})
	require.NoError(t, err)
	return eng
}

// However many commands send at once, an engine never has more than
// Config.MaxInFlight messages on their way: a crash can send no more than
// that many again (R18).
func TestMaxInFlightBoundsSends(t *testing.T) {
	for _, limit := range []int{1, 3} {
		t.Run(fmt.Sprint("max ", limit), func(t *testing.T) {
			tr := newGatedTransport()
			eng := inFlightEngine(t, memory.New(), tr, limit)
			const convs = 8
			ids := make([]conversation.ID, convs)
			for i := range ids {
				r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprint("u", i),
					From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", i)}, Text: "hello"})
				require.NoError(t, err)
				ids[i] = r.Conversation.ID
			}
			var wg sync.WaitGroup
			for i, id := range ids {
				wg.Go(func() {
					_, err := eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: id, Agent: "ana", ID: conversation.MessageID(fmt.Sprint("r", i)), Text: "hi"})
					assert.NoError(t, err)
				})
			}
			wg.Go(func() {
				_, err := eng.DeliverPending(bg)
				assert.NoError(t, err)
			})
			for range limit {
				<-tr.started // the slots fill
			}
			time.Sleep(20 * time.Millisecond) // room for a send past the bound to show
			assert.Equal(t, int32(limit), tr.now.Load(), "as many on their way as the bound, no more")
			close(tr.gate)
			wg.Wait()
			assert.LessOrEqual(t, tr.most.Load(), int32(limit))
			assert.Len(t, tr.Sent(), convs, "every reply went")
		})
	}
}

// A contact's message is not held up by the engine's outbound backlog: its
// answer waits for a free slot in Run, and goes once one is free.
func TestReceiveNotHeldByOutboundBacklog(t *testing.T) {
	tr := newGatedTransport()
	s := memory.New()
	eng, err := contactcenter.New(contactcenter.Config{Store: s, Publish: func(context.Context, conversation.Event) error { return nil }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Commands: channel.Commands{Enabled: true}}}, Transport: tr, By: conversation.Host()}))
	_, err = eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws, Name: "Ana", Presence: conversation.Online}, By: conversation.Host()})
	require.NoError(t, err)
	first, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1",
		From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "hello"})
	require.NoError(t, err)
	replied := make(chan error, 1)
	go func() {
		_, err := eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: first.Conversation.ID, Agent: "ana", Text: "one moment"})
		replied <- err
	}()
	<-tr.started // the reply holds the only slot

	got, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u2",
		From: contactcenter.Sender{ExternalID: "chat-2"}, Text: "/tickets"})
	require.NoError(t, err, "the command is stored and answered without waiting for the slot")
	require.NotEmpty(t, got.Answer.ID)
	assert.Equal(t, conversation.DeliveryPending, got.Answer.Delivery, "the answer waits for Run")

	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	go func() { _ = eng.Run(ctx, time.Hour) }()
	close(tr.gate)
	require.NoError(t, <-replied)
	require.Eventually(t, func() bool { return len(tr.Sent()) == 2 }, 10*time.Second, 5*time.Millisecond, "Run sends the answer once the slot is free")
	// The send is recorded once the transport has taken it, a moment
	// after.
	var delivery conversation.Delivery
	require.Eventually(t, func() bool {
		require.NoError(t, s.View(bg, func(tx store.Tx) error {
			m, err := tx.Message(bg, ws, got.Answer.ID)
			delivery = m.Delivery
			return err
		}))
		return delivery == conversation.DeliverySent
	}, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, conversation.DeliverySent, delivery)
	assert.Len(t, tr.Sent(), 2, "and it went once")
}

// A caller whose context ends while the store keeps failing the record of
// a send gets its answer at once; the recording goes on in the background
// and, once the store is back, the message is recorded as sent and not sent
// again (R18).
func TestRecordingOutlivesTheCaller(t *testing.T) {
	fs := faultstore.New(memory.New(), 1)
	tr := channel.NewMemoryTransport(fullCaps)
	eng := inFlightEngine(t, fs, tr, 1)
	c, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1",
		From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "hello"})
	require.NoError(t, err)
	var once sync.Once
	tr.OnSend(func(channel.Outgoing) {
		once.Do(func() {
			require.NoError(t, fs.Add(faultstore.Rule{Op: faultstore.OpUpdate, When: faultstore.Before, Probability: 1}))
		})
	})
	ctx, cancel := context.WithTimeout(bg, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	m, err := eng.Reply(ctx, contactcenter.Reply{Workspace: ws, Conversation: c.Conversation.ID, Agent: "ana", ID: "r1", Text: "hi"})
	require.NoError(t, err, "the reply was stored before the send")
	assert.Less(t, time.Since(start), 5*time.Second, "the caller is not held while the store fails")
	assert.Equal(t, conversation.DeliveryPending, m.Delivery, "not recorded yet")

	fs.Clear()
	require.Eventually(t, func() bool {
		var d conversation.Delivery
		_ = fs.View(bg, func(tx store.Tx) error {
			m, err := tx.Message(bg, ws, "r1")
			d = m.Delivery
			return err
		})
		return d == conversation.DeliverySent
	}, 10*time.Second, 10*time.Millisecond, "recorded once the store is back")
	_, err = eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Len(t, tr.Sent(), 1, "sent once")
	require.NoError(t, eng.Close())
}
