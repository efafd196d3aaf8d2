package contactcenter_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
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
	"github.com/telenet/contactcenter/store/sqlite"
	"github.com/telenet/contactcenter/ticket"
)

// faultStores are the stores the fault tests run on: the memory store and
// SQLite in a file.
var faultStores = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"memory", func(*testing.T) store.Store { return memory.New() }},
	{"sqlite", func(t *testing.T) store.Store {
		s, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "cc.db"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
}

// eachStore runs fn on each of faultStores.
func eachStore(t *testing.T, fn func(t *testing.T, s store.Store)) {
	for _, k := range faultStores {
		t.Run(k.name, func(t *testing.T) { fn(t, k.open(t)) })
	}
}

// randomFaults fails about one call in twenty of every kind: Updates
// before, at and after commit, Views, single Tx calls and event drains.
func randomFaults(t *testing.T, fs *faultstore.Store) {
	t.Helper()
	for _, r := range []faultstore.Rule{
		{Op: faultstore.OpUpdate, When: faultstore.Before, Probability: 0.04},
		{Op: faultstore.OpUpdate, When: faultstore.AtCommit, Probability: 0.04},
		{Op: faultstore.OpUpdate, When: faultstore.After, Probability: 0.04},
		{Op: faultstore.OpView, When: faultstore.Before, Probability: 0.04},
		{Op: faultstore.OpView, When: faultstore.After, Probability: 0.04},
		{Op: faultstore.OpTx, When: faultstore.Before, Probability: 0.005},
		{Op: faultstore.OpTx, When: faultstore.After, Probability: 0.005},
		{Op: faultstore.OpDrainEvents, When: faultstore.Before, Probability: 0.05},
		{Op: faultstore.OpDrainEvents, When: faultstore.AtCommit, Probability: 0.05},
		{Op: faultstore.OpDrainEvents, When: faultstore.After, Probability: 0.05},
	} {
		require.NoError(t, fs.Add(r))
	}
}

// eventLog collects published events, repeats included.
type eventLog struct {
	mu     sync.Mutex
	events []conversation.Event
}

func (l *eventLog) publish(_ context.Context, e conversation.Event) error {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
	return nil
}

// unique returns the events without repeats (same Seq), in the order they
// were first published.
func (l *eventLog) unique() []conversation.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[uint64]bool{}
	var out []conversation.Event
	for _, e := range l.events {
		if !seen[e.Seq] {
			seen[e.Seq] = true
			out = append(out, e)
		}
	}
	return out
}

// errorCodes counts the errors a test's callers got, by code; every one
// must be a typed unavailable error (R19).
type errorCodes struct {
	mu    sync.Mutex
	codes map[contactcenter.Code]int
	bad   []error
}

func (c *errorCodes) add(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codes == nil {
		c.codes = map[contactcenter.Code]int{}
	}
	code := contactcenter.ErrorCode(err)
	c.codes[code]++
	var typed *contactcenter.Error
	if !errors.As(err, &typed) || code != contactcenter.CodeUnavailable || !errors.Is(err, contactcenter.ErrUnavailable) {
		c.bad = append(c.bad, err)
	}
}

func (c *errorCodes) check(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.Empty(t, c.bad, "every error is a typed unavailable error")
	t.Logf("errors by code: %v", c.codes)
}

// untilStored calls fn until it stores what it was asked to, as a channel
// adapter redelivers an update and a host retries a reply with its id.
func untilStored(t *testing.T, codes *errorCodes, fn func() error) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return
		}
		codes.add(err)
		if !errors.Is(err, contactcenter.ErrUnavailable) || attempt == 200 {
			t.Errorf("giving up after %d attempts: %v", attempt, err)
			return
		}
	}
}

// pendingIn returns the pending outbound messages of the conversations,
// due or not.
func pendingIn(t *testing.T, s store.Store, convs []conversation.ID) []conversation.Message {
	t.Helper()
	var out []conversation.Message
	require.NoError(t, s.View(bg, func(tx store.Tx) error {
		for _, id := range convs {
			msgs, err := tx.Messages(bg, ws, id)
			if err != nil {
				return err
			}
			for _, m := range msgs {
				if m.Direction == conversation.ToContact && m.Delivery == conversation.DeliveryPending {
					out = append(out, m)
				}
			}
		}
		return nil
	}))
	return out
}

// faultEngine returns an engine on fs with channel "tg" sending through tr.
func faultEngine(t *testing.T, fs store.Store, clk *clock, tr channel.Transport, log *eventLog) *contactcenter.Engine {
	t.Helper()
	eng, err := contactcenter.New(contactcenter.Config{
		Store: fs, Now: clk.Now, NewID: contactcenter.SequentialIDs("id"), Publish: log.publish,
		ClaimTimeout: 24 * time.Hour, // the test clock moves fast; a claim lapses only when the test says
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: tr, By: conversation.Host()}))
	for _, id := range []conversation.AgentID{"ana", "bruno"} {
		_, err := eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: id, Workspace: ws, Name: string(id), Presence: conversation.Online}, By: conversation.Host()})
		require.NoError(t, err)
	}
	return eng
}

// Contacts write while the store fails calls at random, before, at and
// after commit; the channel redelivers what failed. Afterwards every
// message is stored exactly once and its event published, in order per
// conversation, and nothing is left to publish (R17, R18, R19).
func TestInboundUnderStoreFaults(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		const contacts, perContact, writers = 16, 8, 4
		fs := faultstore.New(s, 10)
		log := &eventLog{}
		eng := faultEngine(t, fs, &clock{now: t0}, channel.NewMemoryTransport(fullCaps), log)
		randomFaults(t, fs)

		var codes errorCodes
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range perContact {
					for c := w; c < contacts; c += writers {
						in := contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprintf("u-%d-%d", c, i),
							From: contactcenter.Sender{ExternalID: fmt.Sprintf("chat-%d", c), Name: "Contact"}, Text: fmt.Sprintf("message %d", i)}
						untilStored(t, &codes, func() error { _, err := eng.Receive(bg, in); return err })
					}
				}
			})
		}
		wg.Wait()
		fs.Clear()
		require.NoError(t, eng.PublishPending(bg))
		codes.check(t)
		t.Logf("%d messages, %d faults injected", contacts*perContact, fs.Injected())
		require.NotZero(t, fs.Injected())

		received := map[conversation.MessageID]bool{}
		for _, e := range log.unique() {
			if e.Type == conversation.EventMessageReceived {
				received[e.Message] = true
			}
		}
		stored := 0
		for c := range contacts {
			var msgs []conversation.Message
			require.NoError(t, s.View(bg, func(tx store.Tx) error {
				k, err := tx.ContactByExternalID(bg, ws, "tg", fmt.Sprintf("chat-%d", c))
				if err != nil {
					return err
				}
				cv, err := tx.LatestConversation(bg, ws, "tg", k.ID)
				if err != nil {
					return err
				}
				msgs, err = tx.Messages(bg, ws, cv.ID)
				return err
			}))
			var exts []string
			for _, m := range msgs {
				assert.NotEqual(t, conversation.DeliveryPending, m.Delivery, "nothing pending")
				if m.Direction == conversation.FromContact {
					exts = append(exts, m.ExternalID)
					assert.True(t, received[m.ID], "message %s: its event was published", m.ExternalID)
					stored++
				}
			}
			want := make([]string, perContact)
			for i := range want {
				want[i] = fmt.Sprintf("u-%d-%d", c, i)
			}
			assert.Equal(t, want, exts, "contact %d: each message stored once, in order", c)
		}
		assert.Equal(t, contacts*perContact, stored)
		assert.Len(t, received, stored, "no event of a message that was not stored")
		assertOrderPerConversation(t, log.unique())

		// The engine's background publisher may still hold the drain (a
		// SQLite lease outlives its last drain for a moment): wait for it.
		var n int
		require.Eventually(t, func() bool {
			var err error
			n, err = s.DrainEvents(bg, 1000, func(_ context.Context, evs []conversation.Event) (int, error) { return len(evs), nil })
			if errors.Is(err, store.ErrBusy) {
				return false
			}
			require.NoError(t, err)
			return true
		}, 10*time.Second, 5*time.Millisecond)
		assert.Zero(t, n, "nothing left to publish")
	})
}

// assertOrderPerConversation checks that the events of each conversation
// were first published in the order they were stored (R17).
func assertOrderPerConversation(t *testing.T, evs []conversation.Event) {
	t.Helper()
	last := map[conversation.ID]uint64{}
	for _, e := range evs {
		if e.Conversation == "" {
			continue
		}
		assert.Greater(t, e.Seq, last[e.Conversation], "conversation %s: event %s out of order", e.Conversation, e.Type)
		last[e.Conversation] = e.Seq
	}
}

// Agents reply while the store fails calls at random and the channel fails
// some sends; the host retries a failed Reply with its id, and the engine
// delivers pending messages meanwhile. Once the faults stop and the
// pending messages had their chance, every reply was sent, in order per
// conversation, nothing is pending, and a reply went out twice at most
// once per fault that struck after the commit of its recording (R18).
func TestOutboundUnderStoreFaults(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		const convs, perConv = 8, 8
		fs := faultstore.New(s, 20)
		clk := &clock{now: t0}
		tr := channel.NewMemoryTransport(fullCaps)
		eng := faultEngine(t, fs, clk, tr, &eventLog{})
		ids := make([]conversation.ID, convs)
		for c := range convs {
			r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprintf("u-%d", c),
				From: contactcenter.Sender{ExternalID: fmt.Sprintf("chat-%d", c)}, Text: "hello"})
			require.NoError(t, err)
			ids[c] = r.Conversation.ID
		}
		randomFaults(t, fs)

		var codes errorCodes
		var wg sync.WaitGroup
		done := make(chan struct{})
		runner := sync.WaitGroup{}
		runner.Go(func() { // the host's Run, on the test clock
			for {
				select {
				case <-done:
					return
				case <-time.After(time.Millisecond):
				}
				clk.Advance(time.Second)
				if _, err := eng.DeliverPending(bg); err != nil {
					codes.add(err)
				}
			}
		})
		for c := range convs {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(c), 1))
				agent := []conversation.AgentID{"ana", "bruno"}[c%2]
				for i := range perConv {
					if rng.IntN(8) == 0 {
						tr.Fail(channel.ErrUnavailable)
					}
					r := contactcenter.Reply{Workspace: ws, Conversation: ids[c], Agent: agent,
						ID: conversation.MessageID(fmt.Sprintf("r-%d-%d", c, i)), Text: fmt.Sprintf("reply %d", i)}
					untilStored(t, &codes, func() error { _, err := eng.Reply(bg, r); return err })
				}
			})
		}
		wg.Wait()
		close(done)
		runner.Wait()
		fs.Clear()
		for range 10 {
			if len(pendingIn(t, s, ids)) == 0 {
				break
			}
			clk.Advance(25 * time.Hour) // past every backoff and lapsed claim
			_, err := eng.DeliverPending(bg)
			require.NoError(t, err)
		}
		codes.check(t)
		assert.Zero(t, len(pendingIn(t, s, ids)), "nothing pending")

		sentTwiceAllowed := 0
		for _, f := range fs.Faults() {
			if f.Op == faultstore.OpUpdate && f.When == faultstore.After &&
				f.Wrote(func(m conversation.Message) bool { return m.Delivery == conversation.DeliverySent }) {
				sentTwiceAllowed++
			}
		}
		times := map[string]int{}
		order := map[string][]string{}
		for _, o := range tr.Sent() {
			if times[o.Key]++; times[o.Key] == 1 {
				order[o.To] = append(order[o.To], o.Key)
			}
		}
		doubles := 0
		for _, n := range times {
			doubles += n - 1
		}
		for c := range convs {
			want := make([]string, perConv)
			for i := range want {
				want[i] = fmt.Sprintf("r-%d-%d", c, i)
			}
			assert.Equal(t, want, order[fmt.Sprintf("chat-%d", c)], "conversation %d: every reply sent, in order", c)
		}
		t.Logf("%d replies, %d faults injected, %d after the commit of a recording, %d sent twice",
			convs*perConv, fs.Injected(), sentTwiceAllowed, doubles)
		assert.LessOrEqual(t, doubles, sentTwiceAllowed, "sent twice only where a recording's answer was lost")
	})
}

// firstFails is a transport whose first send to each recipient fails once,
// temporarily, as during a short outage of the channel.
type firstFails struct {
	*channel.MemoryTransport
	mu     sync.Mutex
	failed map[string]bool
}

func newFirstFails() *firstFails {
	return &firstFails{MemoryTransport: channel.NewMemoryTransport(fullCaps), failed: map[string]bool{}}
}

func (f *firstFails) Send(ctx context.Context, m channel.Outgoing) (channel.Receipt, error) {
	f.mu.Lock()
	first := !f.failed[m.To]
	f.failed[m.To] = true
	f.mu.Unlock()
	if first {
		return channel.Receipt{}, fmt.Errorf("first send to %s: %w", m.To, channel.ErrUnavailable)
	}
	return f.MemoryTransport.Send(ctx, m)
}

// starvationEngine returns an engine on s whose failed sends are retried a
// minute later.
func starvationEngine(t *testing.T, s store.Store, clk *clock, prefix string) *contactcenter.Engine {
	t.Helper()
	eng, err := contactcenter.New(contactcenter.Config{
		Store: s, Now: clk.Now, NewID: contactcenter.SequentialIDs(prefix),
		RetryBackoff: func(int) time.Duration { return time.Minute },
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	return eng
}

// sentInOrder checks that each recipient got the texts of want once each,
// in that order.
func sentInOrder(t *testing.T, sent []channel.Outgoing, want map[string][]string) {
	t.Helper()
	got := map[string][]string{}
	for _, o := range sent {
		got[o.To] = append(got[o.To], o.Text)
	}
	var wrong []string
	for to, texts := range want {
		if !slices.Equal(texts, got[to]) {
			wrong = append(wrong, fmt.Sprintf("%s: %d sent of %d, %q", to, len(got[to]), len(texts), got[to]))
		}
	}
	slices.Sort(wrong)
	assert.Empty(t, wrong, "every recipient gets each message once, in order")
}

// The first send of every conversation fails, and its retry is due after
// the ten replies stored behind it. Once time passes, one DeliverPending
// sends all 220 replies, in order per conversation: no mix of due times
// leaves a message pending for good.
func TestDeliveryDrainsBehindRetries(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		const convs, perConv = 20, 11
		clk := &clock{now: t0}
		eng := starvationEngine(t, s, clk, "id")
		tr := newFirstFails()
		require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: tr, By: conversation.Host()}))
		_, err := eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws, Name: "Ana", Presence: conversation.Online}, By: conversation.Host()})
		require.NoError(t, err)

		want := map[string][]string{}
		var ids []conversation.ID
		for c := range convs {
			to := fmt.Sprintf("chat-%d", c)
			r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u-" + to,
				From: contactcenter.Sender{ExternalID: to}, Text: "hello"})
			require.NoError(t, err)
			ids = append(ids, r.Conversation.ID)
			for i := range perConv {
				text := fmt.Sprintf("%s reply %d", to, i)
				m, err := eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: r.Conversation.ID, Agent: "ana", Text: text})
				require.NoError(t, err)
				require.Equal(t, conversation.DeliveryPending, m.Delivery)
				want[to] = append(want[to], text)
			}
		}
		require.Empty(t, tr.Sent())
		pending := pendingIn(t, s, ids)
		require.Equal(t, convs*perConv, len(pending))
		for _, m := range pending {
			if m.Attempts == 1 {
				assert.Equal(t, t0.Add(time.Minute), m.NextAttempt.UTC(), "the failed head is due a minute later")
			} else {
				assert.False(t, m.NextAttempt.After(t0), "the replies behind it are due now")
			}
		}

		clk.Advance(2 * time.Minute)
		_, err = eng.DeliverPending(bg)
		require.NoError(t, err)
		assert.Equal(t, convs*perConv, len(tr.Sent()), "every reply sent")
		sentInOrder(t, tr.Sent(), want)
		assert.Zero(t, len(pendingIn(t, s, ids)), "nothing pending")
	})
}

// seedPending stores n open conversations on channel ch, each with one
// pending reply due at due, in one transaction, as an engine serving ch
// would have left them.
func seedPending(t *testing.T, s store.Store, ch channel.ID, n int, due time.Time) {
	t.Helper()
	require.NoError(t, s.Update(bg, func(tx store.Tx) error {
		for i := range n {
			name := fmt.Sprintf("%s-%d", ch, i)
			k := ticket.Contact{ID: ticket.ContactID("k-" + name), Workspace: ws, Name: name, CreatedAt: t0, Version: 1}
			if err := tx.CreateContact(bg, k, ch, name); err != nil {
				return err
			}
			num, err := tx.NextTicketNumber(bg, ws)
			if err != nil {
				return err
			}
			tk := ticket.Ticket{ID: ticket.ID("t-" + name), Workspace: ws, Number: num, Contact: k.ID, Status: ticket.Open, OpenedAt: t0, Version: 1}
			if err := tx.CreateTicket(bg, tk); err != nil {
				return err
			}
			cv := conversation.Conversation{ID: conversation.ID("c-" + name), Workspace: ws, Ticket: tk.ID, TicketNumber: num,
				Channel: ch, Contact: k.ID, ContactExternalID: name, State: conversation.Open, Assignee: "ana",
				OpenedAt: t0, LastActivity: t0, Version: 1}
			if err := tx.CreateConversation(bg, cv); err != nil {
				return err
			}
			if err := tx.CreateMessage(bg, conversation.Message{ID: conversation.MessageID("m-" + name), Workspace: ws,
				Conversation: cv.ID, Ticket: tk.ID, Channel: ch, Direction: conversation.ToContact,
				Author: conversation.Author{Kind: conversation.AuthorAgent, Agent: "ana"}, Kind: conversation.KindText,
				Text: "unserved", CreatedAt: t0, Delivery: conversation.DeliveryPending, Attempts: 1, NextAttempt: due, Version: 1}); err != nil {
				return err
			}
		}
		return nil
	}))
}

// More due messages than one page belong to a channel this engine does not
// serve, and are due before the ones it does: all of its own go out.
func TestDeliveryPastUnservedChannels(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		const unserved, served = 150, 20
		clk := &clock{now: t0}
		seedPending(t, s, "other", unserved, t0.Add(time.Minute)) // left by an engine that serves "other"
		eng := starvationEngine(t, s, clk, "id")
		tr := newFirstFails()
		require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: tr, By: conversation.Host()}))
		_, err := eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws, Name: "Ana", Presence: conversation.Online}, By: conversation.Host()})
		require.NoError(t, err)
		clk.Advance(time.Second) // the served ones are due after every unserved one
		want := map[string][]string{}
		var ids []conversation.ID
		for c := range unserved {
			ids = append(ids, conversation.ID(fmt.Sprintf("c-other-%d", c)))
		}
		for c := range served {
			to := fmt.Sprintf("chat-%d", c)
			r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u-" + to,
				From: contactcenter.Sender{ExternalID: to}, Text: "hello"})
			require.NoError(t, err)
			ids = append(ids, r.Conversation.ID)
			m, err := eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: r.Conversation.ID, Agent: "ana", Text: to + " reply"})
			require.NoError(t, err)
			require.Equal(t, conversation.DeliveryPending, m.Delivery, "the first send fails")
			want[to] = []string{to + " reply"}
		}

		clk.Advance(2 * time.Minute)
		_, err = eng.DeliverPending(bg)
		require.NoError(t, err)
		sentInOrder(t, tr.Sent(), want)
		assert.Equal(t, served, len(tr.Sent()))
		left := pendingIn(t, s, ids)
		assert.Equal(t, unserved, len(left), "only the unserved channel's messages wait")
		assert.False(t, slices.ContainsFunc(left, func(m conversation.Message) bool { return m.Channel != "other" }))
	})
}

// After the channel accepted a message, recording that it was sent meets
// transient store errors: the engine retries the recording, so the message
// is marked sent and never sent again (R18).
func TestDeliveryRecordingRetriesThroughStoreErrors(t *testing.T) {
	for _, r := range []faultstore.Rule{
		{Op: faultstore.OpUpdate, When: faultstore.Before, Next: 3},
		{Op: faultstore.OpUpdate, When: faultstore.AtCommit, Next: 3},
		{Op: faultstore.OpTxMessage, When: faultstore.Before, Next: 3},
		{Op: faultstore.OpTxUpdateMessage, When: faultstore.Before, Next: 3},
	} {
		t.Run(fmt.Sprintf("%s %v", r.Op, r.When), func(t *testing.T) {
			eachStore(t, func(t *testing.T, s store.Store) {
				fs := faultstore.New(s, 1)
				clk := &clock{now: t0}
				tr := channel.NewMemoryTransport(fullCaps)
				eng := faultEngine(t, fs, clk, tr, &eventLog{})
				c, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1",
					From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "hello"})
				require.NoError(t, err)
				var once sync.Once
				tr.OnSend(func(channel.Outgoing) { once.Do(func() { require.NoError(t, fs.Add(r)) }) })

				m, err := eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: c.Conversation.ID, Agent: "ana", ID: "r1", Text: "hi"})
				require.NoError(t, err)
				assert.Equal(t, 3, fs.Injected(), "the recording failed three times")
				assert.Equal(t, conversation.DeliverySent, m.Delivery)
				require.NoError(t, s.View(bg, func(tx store.Tx) error {
					stored, err := tx.Message(bg, ws, "r1")
					assert.Equal(t, conversation.DeliverySent, stored.Delivery, "recorded as sent")
					return err
				}))

				clk.Advance(48 * time.Hour) // past the claim
				_, err = eng.DeliverPending(bg)
				require.NoError(t, err)
				assert.Len(t, tr.Sent(), 1, "sent once")
			})
		})
	}
}
