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

// BenchmarkOpenLeastBusy measures a contact's first message opening a
// conversation on a channel that assigns automatically to the least busy
// agent (R9, R11), while the agents are all at capacity: every opening
// tries to assign the head of the queue, and nothing is assigned, so the
// queue stays as long as it was. With 1,000 and with 100,000 conversations
// waiting; the two figures should be close: what waits is not read.
//
//	go test -run '^$' -bench OpenLeastBusy -benchmem .
func BenchmarkOpenLeastBusy(b *testing.B) {
	for _, waiting := range []int{1000, 100_000} {
		b.Run(fmt.Sprintf("waiting=%d", waiting), func(b *testing.B) {
			ctx := context.Background()
			s := memory.New()
			clk := &clock{now: t0}
			eng, err := contactcenter.New(contactcenter.Config{
				Store: s, Now: clk.Now, NewID: contactcenter.SequentialIDs("id"),
				Publish: func(context.Context, conversation.Event) error { return nil },
			})
			if err != nil {
				b.Fatal(err)
			}
			tg := channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
				Settings: channel.Settings{Assignment: channel.Assignment{Strategy: "least_busy"}}}
			if err := eng.PutChannel(ctx, tg, channel.NewMemoryTransport(channel.Capabilities{Text: true})); err != nil {
				b.Fatal(err)
			}
			// Three online agents, each given one conversation by automatic
			// assignment: all at capacity.
			for _, id := range []conversation.AgentID{"ana", "bruno", "carla"} {
				a := conversation.Agent{ID: id, Workspace: ws, Name: string(id), Presence: conversation.Online, Capacity: 1}
				if _, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: a, By: conversation.Host()}); err != nil {
					b.Fatal(err)
				}
			}
			receive := func(contact string) conversation.Conversation {
				r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u-" + contact,
					From: contactcenter.Sender{ExternalID: contact}, Text: "hello"})
				if err != nil || !r.Opened {
					b.Fatal(err, r.Opened)
				}
				return r.Conversation
			}
			for i := range 3 {
				receive("busy-" + strconv.Itoa(i))
			}
			err = s.View(ctx, func(tx store.Tx) error {
				loads, err := store.Workload(ctx, tx, ws)
				if err == nil && len(loads) != 3 {
					b.Fatalf("workload %v, want the three agents at capacity", loads)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			// The queue, stored directly: opening each through the engine
			// would cost what the benchmark measures, many times over.
			for start := 0; start < waiting; start += 1000 {
				err := s.Update(ctx, func(tx store.Tx) error {
					for i := start; i < min(start+1000, waiting); i++ {
						at := t0.Add(-time.Duration(waiting-i) * time.Second)
						id := strconv.Itoa(i)
						c := conversation.Conversation{
							ID: conversation.ID("w" + id), Workspace: ws, Ticket: ticket.ID("wt" + id), TicketNumber: ticket.Number(1_000_000 + i),
							Channel: "tg", Contact: ticket.ContactID("wk" + id), ContactExternalID: "waiting-" + id,
							State: conversation.Open, WaitingSince: at, OpenedAt: at, LastActivity: at, Version: 1,
						}
						if err := tx.CreateConversation(ctx, c); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			// Every batch of openings is closed again, with the clock
			// stopped, so that the queue stays within a hundred of its
			// length.
			const batch = 100
			opened := make([]conversation.Conversation, 0, batch)
			closeOpened := func() {
				err := s.Update(ctx, func(tx store.Tx) error {
					for _, o := range opened {
						c, err := tx.Conversation(ctx, ws, o.ID)
						if err != nil {
							return err
						}
						if !c.Waiting() {
							b.Fatalf("conversation %s was assigned to %s", c.ID, c.Assignee)
						}
						c.State, c.ClosedAt, c.Version = conversation.Closed, clk.Now(), c.Version+1
						if err := tx.UpdateConversation(ctx, c); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				opened = opened[:0]
			}
			contacts := make([]string, b.N)
			for i := range contacts {
				contacts[i] = "new-" + strconv.Itoa(i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if len(opened) == batch {
					b.StopTimer()
					closeOpened()
					b.StartTimer()
				}
				opened = append(opened, receive(contacts[i]))
			}
			b.StopTimer()
			closeOpened()
			err = s.View(ctx, func(tx store.Tx) error {
				q, err := tx.Queue(ctx, ws, 0)
				if err == nil && len(q) != waiting {
					b.Fatalf("%d waiting, want %d", len(q), waiting)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
