package contactcenter_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

// BenchmarkReceiveExisting measures an inbound text message to an existing
// open conversation on the memory store: idempotency check, contact and
// conversation lookup, the R9 decision, commit and event publication.
//
//	go test -run '^$' -bench ReceiveExisting -benchmem -cpu 1 .
func BenchmarkReceiveExisting(b *testing.B) {
	f := newFixtureOn(b, memory.New(), channel.Capabilities{Text: true})
	f.write(b, "chat-1", "u0", "hello")
	published := 0
	eng, err := contactcenter.New(contactcenter.Config{
		Store: f.store, Now: f.clock.Now,
		Publish: func(_ context.Context, e conversation.Event) error { published++; return nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.PutTransport(channel.KindTelegram, "bot", f.tr); err != nil { // the fixture stored the channel
		b.Fatal(err)
	}
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = "u" + strconv.Itoa(i+1)
	}
	in := contactcenter.Inbound{Workspace: ws, Channel: "tg", From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "one more message"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		in.ExternalID = ids[i]
		r, err := eng.Receive(bg, in)
		if err != nil || r.Opened {
			b.Fatal(err, r.Opened)
		}
	}
	b.StopTimer()
	if published != b.N {
		b.Fatalf("published %d events for %d messages", published, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// expiryFixture is an engine on a memory store with open conversations
// whose timeouts fall due one per millisecond from t0+30m.
type expiryFixture struct {
	eng     *contactcenter.Engine
	clock   *clock
	closed  int
	expired int // conversations expired so far
}

func newExpiryFixture(b *testing.B, open int) *expiryFixture {
	b.Helper()
	s := memory.New()
	for start := 0; start < open; start += 1000 {
		err := s.Update(bg, func(tx store.Tx) error {
			for i := start; i < min(start+1000, open); i++ {
				at := t0.Add(time.Duration(i) * time.Millisecond)
				id := strconv.Itoa(i)
				c := conversation.Conversation{
					ID: conversation.ID("c" + id), Workspace: ws, Ticket: ticket.ID("t" + id), TicketNumber: ticket.Number(i + 1),
					Channel: "tg", Contact: ticket.ContactID("k" + id), ContactExternalID: id,
					State: conversation.Open, WaitingSince: at, OpenedAt: at, LastActivity: at, Version: 1,
				}
				if err := tx.CreateConversation(bg, c); err != nil {
					return err
				}
				if err := tx.SetTimer(bg, store.Timer{Kind: conversation.TimerTimeout, Workspace: ws, Key: string(c.ID), Due: at.Add(30 * time.Minute)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	f := &expiryFixture{clock: &clock{now: t0.Add(30*time.Minute - time.Millisecond)}}
	var err error
	f.eng, err = contactcenter.New(contactcenter.Config{
		Store: s, Now: f.clock.Now,
		Publish: func(_ context.Context, e conversation.Event) error {
			if e.Type == conversation.EventConversationClosed {
				f.closed++
			}
			return nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	tg := channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot", Settings: channel.Settings{MessageTimeout: 30 * time.Minute}}
	if err := f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: tg, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}); err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkExpireTimeouts measures closing conversations whose timeout
// fell due (R7): each operation lets 100 more fall due and fires the
// timers, with 100,000 and with 1,000,000 open conversations. The two
// figures should be close: the cost of expiring does not grow with what
// stays open.
//
//	go test -run '^$' -bench ExpireTimeouts -benchtime 200x -count 5 .
func BenchmarkExpireTimeouts(b *testing.B) {
	const batch = 100
	for _, open := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("open=%d", open), func(b *testing.B) {
			f := newExpiryFixture(b, open)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if f.expired+batch > open/4 {
					b.StopTimer()
					f = newExpiryFixture(b, open)
					b.StartTimer()
				}
				f.clock.Advance(batch * time.Millisecond)
				before := f.closed
				n, err := f.eng.FireTimers(bg)
				if err != nil || n != batch || f.closed-before != batch {
					b.Fatalf("fired %d timers, closed %d conversations, want %d: %v", n, f.closed-before, batch, err)
				}
				f.expired += batch
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/conversation")
		})
	}
}

// An inbound message to an open conversation on the memory store
// allocates once: its id.
func TestReceiveExistingAllocatesOnce(t *testing.T) {
	f := newFixtureOn(t, memory.New(), channel.Capabilities{Text: true})
	f.write(t, "chat-1", "u0", "hello")
	eng, err := contactcenter.New(contactcenter.Config{Store: f.store, Now: f.clock.Now,
		Publish: func(context.Context, conversation.Event) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.PutTransport(channel.KindTelegram, "bot", f.tr); err != nil {
		t.Fatal(err)
	}
	const runs = 2000
	ids := make([]string, runs+1)
	for i := range ids {
		ids[i] = "u" + strconv.Itoa(i+1)
	}
	in := contactcenter.Inbound{Workspace: ws, Channel: "tg", From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "one more message"}
	i := 0
	allocs := testing.AllocsPerRun(runs, func() {
		in.ExternalID = ids[i]
		i++
		if r, err := eng.Receive(bg, in); err != nil || r.Opened {
			t.Fatal(err, r.Opened)
		}
	})
	if allocs > 1 {
		t.Errorf("an inbound message allocates %.0f times, want 1", allocs)
	}
}
