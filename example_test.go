package contactcenter_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// newExampleEngine returns an engine on the memory store with a fixed clock,
// a channel "tg" in workspace "acme" and agents ana and bruno.
func newExampleEngine() (*contactcenter.Engine, *channel.MemoryTransport) {
	ctx := context.Background()
	eng, err := contactcenter.New(contactcenter.Config{
		Store: memory.New(),
		Now:   func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) },
		NewID: contactcenter.SequentialIDs("id"),
	})
	if err != nil {
		panic(err)
	}
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true, Files: true})
	if err := eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "acme", Kind: channel.KindTelegram, Account: "support-bot"}, Transport: tr, By: conversation.Host()}); err != nil {
		panic(err)
	}
	for _, id := range []conversation.AgentID{"ana", "bruno"} {
		if _, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: id, Workspace: "acme", Name: string(id)}, By: conversation.Host()}); err != nil {
			panic(err)
		}
	}
	return eng, tr
}

func write(eng *contactcenter.Engine, update, text string) contactcenter.Received {
	r, err := eng.Receive(context.Background(), contactcenter.Inbound{
		Workspace: "acme", Channel: "tg", ExternalID: update,
		From: contactcenter.Sender{ExternalID: "chat-42", Name: "Lucía", Language: "es-MX"},
		Text: text,
	})
	if err != nil {
		panic(err)
	}
	return r
}

// A contact's first message opens a ticket and a conversation that waits in
// the queue (R9); the same update delivered again is stored once (R18).
func ExampleEngine_Receive() {
	eng, _ := newExampleEngine()
	ctx := context.Background()

	r := write(eng, "update-1", "My order has not arrived")
	fmt.Printf("ticket #%d, new ticket: %t, waiting: %t\n", r.Conversation.TicketNumber, r.NewTicket, r.Conversation.Waiting())

	r = write(eng, "update-2", "It was due on Monday")
	fmt.Printf("same conversation: %t\n", !r.Opened)

	r = write(eng, "update-2", "It was due on Monday")
	fmt.Printf("duplicate: %t\n", r.Duplicate)

	q, _ := eng.Queue(ctx, "acme", 0)
	msgs, _ := eng.Messages(ctx, "acme", r.Conversation.ID)
	fmt.Printf("queue: %d, messages: %d\n", len(q), len(msgs))
	// Output:
	// ticket #1, new ticket: true, waiting: true
	// same conversation: true
	// duplicate: true
	// queue: 1, messages: 2
}

// The first agent to reply to a waiting conversation becomes its assignee;
// another agent's reply is delivered but does not take it over (R10).
func ExampleEngine_Reply() {
	eng, tr := newExampleEngine()
	ctx := context.Background()
	conv := write(eng, "update-1", "Hello?").Conversation

	m, _ := eng.Reply(ctx, contactcenter.Reply{Workspace: "acme", Conversation: conv.ID, Agent: "ana", Text: "Hi, Ana here."})
	fmt.Println("delivery:", m.Delivery)
	_, _ = eng.Reply(ctx, contactcenter.Reply{Workspace: "acme", Conversation: conv.ID, Agent: "bruno", Text: "And Bruno."})

	conv, _ = eng.Conversation(ctx, "acme", conv.ID)
	fmt.Println("assignee:", conv.Assignee)
	for _, out := range tr.Sent() {
		fmt.Printf("to %s: %s\n", out.To, out.Text)
	}
	// Output:
	// delivery: sent
	// assignee: ana
	// to chat-42: Hi, Ana here.
	// to chat-42: And Bruno.
}

// Closing a conversation records the closing note and unassigns it; the
// ticket stays open, and the contact's next message waits in the queue again
// on the same ticket (R12, R9).
func ExampleEngine_CloseConversation() {
	eng, _ := newExampleEngine()
	ctx := context.Background()
	conv := write(eng, "update-1", "Where is my parcel?").Conversation
	_, _ = eng.Reply(ctx, contactcenter.Reply{Workspace: "acme", Conversation: conv.ID, Agent: "ana", Text: "On its way."})

	closed, err := eng.CloseConversation(ctx, contactcenter.Closing{Workspace: "acme", Conversation: conv.ID, By: conversation.AsAgent("ana"), Note: conversation.ClosingNote{Category: "shipping", Summary: "Tracking sent."}})
	if err != nil {
		panic(err)
	}
	fmt.Println(closed.State, closed.CloseReason, closed.ClosingNote.Category, closed.Assignee == "")

	_, err = eng.CloseConversation(ctx, contactcenter.Closing{Workspace: "acme", Conversation: conv.ID, By: conversation.AsAgent("ana"), Note: conversation.ClosingNote{}})
	fmt.Println("again:", errors.Is(err, conversation.ErrClosed), contactcenter.ErrorCode(err))

	r := write(eng, "update-2", "Thanks, it arrived!")
	fmt.Printf("new conversation on ticket #%d, new ticket: %t, waiting: %t\n", r.Conversation.TicketNumber, r.NewTicket, r.Conversation.Waiting())
	// Output:
	// closed agent shipping true
	// again: true conflict
	// new conversation on ticket #1, new ticket: false, waiting: true
}

// Closing a ticket closes its open conversation; the contact's next message
// opens a new ticket (R12, R9).
func ExampleEngine_CloseTicket() {
	eng, _ := newExampleEngine()
	ctx := context.Background()
	conv := write(eng, "update-1", "Cancel my subscription").Conversation

	t, _ := eng.CloseTicket(ctx, contactcenter.TicketClosing{Workspace: "acme", Ticket: conv.Ticket, By: conversation.Host(), Note: conversation.ClosingNote{Summary: "Cancelled."}})
	conv, _ = eng.Conversation(ctx, "acme", conv.ID)
	fmt.Printf("ticket #%d %s; conversation %s (%s)\n", t.Number, t.Status, conv.State, conv.CloseReason)

	r := write(eng, "update-2", "One more question")
	fmt.Printf("ticket #%d, new ticket: %t\n", r.Conversation.TicketNumber, r.NewTicket)
	// Output:
	// ticket #1 closed; conversation closed (ticket_closed)
	// ticket #2, new ticket: true
}

// Manual assignment and transfer (R11): an agent may claim a waiting
// conversation, but not take one that another agent holds.
func ExampleEngine_Assign() {
	eng, _ := newExampleEngine()
	ctx := context.Background()
	conv := write(eng, "update-1", "Hi").Conversation

	conv, _ = eng.Assign(ctx, contactcenter.Assignment{Workspace: "acme", Conversation: conv.ID, To: "ana", By: conversation.AsAgent("ana")})
	fmt.Println("assignee:", conv.Assignee)

	_, err := eng.Assign(ctx, contactcenter.Assignment{Workspace: "acme", Conversation: conv.ID, To: "bruno", By: conversation.AsAgent("bruno")})
	fmt.Println("bruno takes it:", contactcenter.ErrorCode(err))

	conv, _ = eng.Assign(ctx, contactcenter.Assignment{Workspace: "acme", Conversation: conv.ID, To: "bruno", By: conversation.AsAgent("ana")})
	fmt.Println("ana hands it over:", conv.Assignee)

	conv, _ = eng.Unassign(ctx, contactcenter.Unassignment{Workspace: "acme", Conversation: conv.ID, By: conversation.Host()})
	fmt.Println("back in the queue:", conv.Waiting())
	// Output:
	// assignee: ana
	// bruno takes it: forbidden
	// ana hands it over: bruno
	// back in the queue: true
}

// Events are published after the change is stored, in commit order (R17).
func ExampleConfig_publish() {
	eng, err := contactcenter.New(contactcenter.Config{
		Store: memory.New(),
		Publish: func(_ context.Context, e conversation.Event) error {
			fmt.Printf("%d %s ticket #%d\n", e.Seq, e.Type, e.TicketNumber)
			return nil
		},
	})
	if err != nil {
		panic(err)
	}
	_ = eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "acme", Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()})
	write(eng, "update-1", "Hello")
	// Output:
	// 1 config.changed ticket #0
	// 2 ticket.opened ticket #1
	// 3 conversation.opened ticket #1
	// 4 message.received ticket #1
}

// A contact moves between their open tickets with commands (R6): /new opens
// a ticket, /tickets lists them with the current one first, /ticket N
// switches. Answers are in the contact's language.
func ExampleEngine_Receive_commands() {
	ctx := context.Background()
	eng, err := contactcenter.New(contactcenter.Config{
		Store: memory.New(),
		Now:   func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) },
		NewID: contactcenter.SequentialIDs("id"),
	})
	if err != nil {
		panic(err)
	}
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	tr.OnSend(func(m channel.Outgoing) { fmt.Printf("bot: %s\n\n", m.Text) })
	err = eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "acme", Kind: channel.KindTelegram, Account: "support-bot",
		Settings: channel.Settings{Commands: channel.Commands{Enabled: true, ShowSubject: true}}}, Transport: tr, By: conversation.Host()})
	if err != nil {
		panic(err)
	}
	say := func(update, text string) {
		fmt.Printf("Lucía: %s\n", text)
		if _, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "acme", Channel: "tg", ExternalID: update,
			From: contactcenter.Sender{ExternalID: "chat-42", Name: "Lucía", Language: "es-MX"}, Text: text}); err != nil {
			panic(err)
		}
	}
	say("u1", "Mi pedido no llegó")
	say("u2", "/new Factura duplicada")
	say("u3", "/tickets")
	say("u4", "/ticket 1")
	// Output:
	// Lucía: Mi pedido no llegó
	// Lucía: /new Factura duplicada
	// bot: Se abrió el ticket #2. Escríbenos aquí y un agente te responderá.
	//
	// Lucía: /tickets
	// bot: Ticket actual:
	// #2 — Factura duplicada
	//
	// Tu otro ticket abierto:
	// #1 — Mi pedido no llegó
	//
	// Envía /ticket y un número para cambiar de ticket, o /new para abrir uno nuevo.
	//
	// Lucía: /ticket 1
	// bot: Ahora estás en el ticket #1.
}
