package contactcenter_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

// A host's reaction to committed events: a conversation that opens with
// "urgent" gets a high priority. The reaction runs after the commit, its
// job durable in the store; the events of the calls it makes with its
// context carry its cause, one level below the contact's message.
func ExampleReaction() {
	ctx := context.Background()
	var eng *contactcenter.Engine
	urgent := contactcenter.Reaction{
		Name: "urgent",
		Key: func(e conversation.Event) (string, bool) {
			return string(e.Message), e.Type == conversation.EventMessageReceived
		},
		React: func(ctx context.Context, j contactcenter.Job) error {
			m, err := eng.Message(ctx, j.Workspace, conversation.MessageID(j.Key))
			if err != nil || !strings.Contains(strings.ToLower(m.Text), "urgent") {
				return err
			}
			c, err := eng.Conversation(ctx, j.Workspace, m.Conversation)
			if err != nil {
				return err
			}
			_, err = eng.SetPriority(ctx, contactcenter.Prioritizing{Workspace: j.Workspace, Ticket: c.Ticket,
				Priority: ticket.PriorityHigh, By: conversation.AsBot("urgent")})
			return err
		},
	}
	var events []conversation.Event
	eng, err := contactcenter.New(contactcenter.Config{
		Store:     memory.New(),
		NewID:     contactcenter.SequentialIDs("id"),
		Publish:   func(_ context.Context, e conversation.Event) error { events = append(events, e); return nil },
		Reactions: []contactcenter.Reaction{urgent},
	})
	if err != nil {
		panic(err)
	}
	if err := eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "acme", Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}); err != nil {
		panic(err)
	}
	r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "acme", Channel: "tg", ExternalID: "u1",
		From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "URGENT: the payment failed"})
	if err != nil {
		panic(err)
	}
	c, _ := eng.Conversation(ctx, "acme", r.Conversation.ID)
	fmt.Println("priority:", c.Priority)
	for _, e := range events {
		fmt.Printf("%s by %s, %s %q depth %d\n", e.Type, e.Actor.Kind, e.Cause.Kind, e.Cause.Name, e.Cause.Depth)
	}
	// Output:
	// priority: high
	// config.changed by host, command "put channel" depth 0
	// ticket.opened by contact, command "receive" depth 0
	// conversation.opened by contact, command "receive" depth 0
	// message.received by contact, command "receive" depth 0
	// ticket.priority_changed by bot, reaction "urgent" depth 1
}

// A host's own timer kind: "follow up in 10 minutes", with what the
// handler needs in its payload. The timer lives in the store, so it fires
// after a restart too, and once across the engines on the store.
func ExampleEngine_SetTimer() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	eng, err := contactcenter.New(contactcenter.Config{
		Store: memory.New(),
		Now:   func() time.Time { return now },
		Timers: map[conversation.TimerKind]contactcenter.TimerHandler{
			"crm.follow_up": func(ctx context.Context, t conversation.Timer) error {
				cause, _ := contactcenter.CauseOf(ctx)
				fmt.Printf("follow up %s: %s (%s %s)\n", t.Key, t.Payload, cause.Kind, cause.Name)
				return nil
			},
		},
	})
	if err != nil {
		panic(err)
	}
	err = eng.SetTimer(ctx, contactcenter.TimerSetting{Timer: conversation.Timer{Kind: "crm.follow_up", Workspace: "acme", Key: "case-17",
		Due: now.Add(10 * time.Minute), Payload: []byte(`{"step":4}`)}, By: conversation.Host()})
	if err != nil {
		panic(err)
	}
	n, _ := eng.FireTimers(ctx)
	fmt.Println("fired now:", n)
	now = now.Add(10 * time.Minute)
	n, _ = eng.FireTimers(ctx)
	fmt.Println("fired at the due time:", n)
	// Output:
	// fired now: 0
	// follow up case-17: {"step":4} (timer crm.follow_up)
	// fired at the due time: 1
}
