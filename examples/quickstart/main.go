// Command quickstart is an offline tour of the contactcenter engine. It
// needs no flags, no network and no setup: an in-memory store, in-memory
// channels and a scripted day at a small help desk, whose second channel
// is answered first by the FAQ bot (R2), which hands a customer to a
// human, and a workflow (R16) that routes invoices to the billing team.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/faq"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/workflow"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

const ws = "acme"

// run narrates the day on w.
func run(ctx context.Context, w io.Writer) error {
	// A clock that the script moves, so the story reads the same every run.
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var mu sync.Mutex // the clock, and what the tour has seen published
	tick := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	// Lines go to w one at a time: the bot's work prints from its own
	// goroutine.
	var outMu sync.Mutex
	line := func(format string, args ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Fprintf(w, format+"\n", args...)
	}

	// The bot answers after the message is stored, in the background:
	// the tour lets the engine settle (Settle) before it goes on.
	var note string // the bot's note for the agent

	st := memory.New()
	defer st.Close()
	eng, err := contactcenter.New(contactcenter.Config{
		Store: st,
		Now:   func() time.Time { mu.Lock(); defer mu.Unlock(); return clock() },
		NewID: contactcenter.SequentialIDs("id-"),
		Publish: func(_ context.Context, e conversation.Event) error {
			mu.Lock()
			defer mu.Unlock()
			line("      [event %s]", e.Type)
			if e.Type == conversation.EventBotHandedOff {
				note = e.Detail
			}
			return nil
		},
		// The FAQ bot of package faq, on its sample file: 30 questions
		// of a small shop, in Spanish and English.
		Bots: map[string]chatbot.Bot{"faq": faq.Sample()},
	})
	if err != nil {
		return err
	}
	defer eng.Close()

	// One channel: a chat bot account, carried here by an in-memory
	// transport that shows what the contact's phone would receive.
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true, Files: true, Voice: true, Edit: true, MaxTextLen: 4096})
	tr.OnSend(func(m channel.Outgoing) { line("      (Lucía's phone shows: %q)", m.Text) })
	if err := eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "demo-bot"}, Transport: tr, By: conversation.Host()}); err != nil {
		return err
	}
	for _, a := range []conversation.Agent{
		{ID: "ana", Workspace: ws, Name: "Ana", Presence: conversation.Online},
		{ID: "bruno", Workspace: ws, Name: "Bruno", Presence: conversation.Online},
	} {
		if _, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: a, By: conversation.Host()}); err != nil {
			return err
		}
	}

	say := line
	queue := func() error {
		q, err := eng.Queue(ctx, ws, 0)
		if err != nil {
			return err
		}
		say("   The queue holds %d waiting conversation(s).", len(q))
		return nil
	}

	// Lucía's messages, as the channel adapter would pass them on.
	lucia := func(update, text string) (contactcenter.Received, error) {
		return eng.Receive(ctx, contactcenter.Inbound{
			Workspace: ws, Channel: "tg", ExternalID: update,
			From: contactcenter.Sender{ExternalID: "chat-42", Name: "Lucía", Language: "es-MX"},
			Text: text,
		})
	}

	say("09:00  Lucía, a new contact, writes to the help desk.")
	r, err := lucia("update-1", "Hola, my order #A-17 has not arrived")
	if err != nil {
		return err
	}
	conv := r.Conversation
	say("   Ticket #%d is opened for her; the conversation is unassigned and waits.", conv.TicketNumber)
	if err := queue(); err != nil {
		return err
	}

	tick(3 * time.Minute)
	say("09:03  Ana replies, and so takes the conversation.")
	if _, err := eng.Reply(ctx, contactcenter.Reply{Workspace: ws, Conversation: conv.ID, Agent: "ana",
		Text: "Hi Lucía, I'm Ana. Let me check your order."}); err != nil {
		return err
	}
	if conv, err = eng.Conversation(ctx, ws, conv.ID); err != nil {
		return err
	}
	say("   Assignee: %s.", conv.Assignee)
	if err := queue(); err != nil {
		return err
	}

	tick(time.Minute)
	say("09:04  Bruno replies too. His message is delivered, but the conversation stays Ana's.")
	if _, err := eng.Reply(ctx, contactcenter.Reply{Workspace: ws, Conversation: conv.ID, Agent: "bruno",
		Text: "Bruno here, Ana is on it."}); err != nil {
		return err
	}
	if conv, err = eng.Conversation(ctx, ws, conv.ID); err != nil {
		return err
	}
	say("   Assignee: %s.", conv.Assignee)

	tick(10 * time.Minute)
	say("09:14  Ana closes the conversation with a closing note.")
	if conv, err = eng.CloseConversation(ctx, contactcenter.Closing{Workspace: ws, Conversation: conv.ID, By: conversation.AsAgent("ana"), Note: conversation.ClosingNote{
		Category: "shipping", Summary: "Parcel delayed at the depot; new delivery date given.",
	}}); err != nil {
		return err
	}
	say("   Conversation %s, reason %q, note %q: %s", conv.State, conv.CloseReason, conv.ClosingNote.Category, conv.ClosingNote.Summary)
	t, err := eng.Ticket(ctx, ws, conv.Ticket)
	if err != nil {
		return err
	}
	say("   Ticket #%d stays %s until someone closes it.", t.Number, t.Status)
	if err := queue(); err != nil {
		return err
	}

	tick(2 * time.Hour)
	say("11:14  Lucía writes again.")
	r, err = lucia("update-2", "It arrived, but the box is damaged")
	if err != nil {
		return err
	}
	say("   A new conversation opens on the same open ticket #%d (new ticket: %t), unassigned.", r.Conversation.TicketNumber, r.NewTicket)
	if err := queue(); err != nil {
		return err
	}

	say("11:14  Her phone delivers the same update again; it is stored once.")
	r, err = lucia("update-2", "It arrived, but the box is damaged")
	if err != nil {
		return err
	}
	msgs, err := eng.Messages(ctx, ws, r.Conversation.ID)
	if err != nil {
		return err
	}
	say("   Duplicate: %t; the new conversation holds %d message(s).", r.Duplicate, len(msgs))
	damaged := msgs[0] // for the workflow's dry run, at the end
	say("End of the day at the help desk: %d message(s) went out through the channel.", len(tr.Sent()))

	// A second channel, the shop's web chat, where the FAQ bot answers
	// first (R2): its new conversations are held by the bot, out of the
	// agents' queue, until the bot hands them to a human.
	web := channel.NewMemoryTransport(channel.Capabilities{Text: true, MaxTextLen: 4096})
	web.OnSend(func(m channel.Outgoing) { line("      (Pedro's screen shows: %q)", m.Text) })
	if err := eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "web", Workspace: ws, Kind: channel.KindMemory, Account: "web-chat",
		Settings: channel.Settings{Bot: channel.Bot{Name: "faq"}}}, Transport: web, By: conversation.Host()}); err != nil {
		return err
	}
	pedro := func(update, text string) (contactcenter.Received, error) {
		return eng.Receive(ctx, contactcenter.Inbound{
			Workspace: ws, Channel: "web", ExternalID: update,
			From: contactcenter.Sender{ExternalID: "web-7", Name: "Pedro", Language: "es"},
			Text: text,
		})
	}
	tick(time.Hour)
	say("12:14  On the web chat, Pedro asks when the shop opens. The FAQ bot holds his conversation.")
	r, err = pedro("web-1", "Hola, ¿a qué hora abren?")
	if err != nil {
		return err
	}
	if err := eng.Settle(ctx); err != nil {
		return err
	}
	webConv, err := eng.Conversation(ctx, ws, r.Conversation.ID)
	if err != nil {
		return err
	}
	say("   The bot %q answered; it still holds the conversation: %t. It is not in the agents' queue, which holds Lucía's alone:", webConv.Bot, webConv.Held())
	if err := queue(); err != nil {
		return err
	}

	say("12:15  Pedro asks for a person; the bot hands him off with a note for the agent.")
	if _, err := pedro("web-2", "Gracias. Quiero hablar con un humano, por favor"); err != nil {
		return err
	}
	if err := eng.Settle(ctx); err != nil {
		return err
	}
	if webConv, err = eng.Conversation(ctx, ws, webConv.ID); err != nil {
		return err
	}
	mu.Lock()
	botNote := note
	mu.Unlock()
	say("   The bot's note for the agent: %s", botNote)
	say("   Held by a bot: %t; waiting in the queue: %t.", webConv.Held(), webConv.Waiting())
	if err := queue(); err != nil {
		return err
	}

	say("12:16  Bruno replies and takes the conversation; the bot sees nothing more of it.")
	if _, err := eng.Reply(ctx, contactcenter.Reply{Workspace: ws, Conversation: webConv.ID, Agent: "bruno",
		Text: "Hola Pedro, soy Bruno. ¿En qué te ayudo?"}); err != nil {
		return err
	}
	if webConv, err = eng.Conversation(ctx, ws, webConv.ID); err != nil {
		return err
	}
	say("   Assignee: %s.", webConv.Assignee)
	msgs, err = eng.Messages(ctx, ws, webConv.ID)
	if err != nil {
		return err
	}
	bot := 0
	for _, m := range msgs {
		if m.Author.Kind == conversation.AuthorBot {
			bot++
		}
	}
	if err := eng.Settle(ctx); err != nil {
		return err
	}
	if err := workflows(ctx, eng, say, tick, damaged); err != nil {
		return err
	}
	if err := eng.Settle(ctx); err != nil {
		return err
	}
	say("End of the tour: the web chat holds %d message(s), %d of them the bot's; %d went out there.", len(msgs), bot, len(web.Sent()))
	return nil
}

// billingWorkflow is the tour's workflow (R16), as a help desk would write
// it: a contact's message that mentions "factura" goes to team billing,
// at high priority.
const billingWorkflow = `{
  "name": "billing",
  "trigger": {"on": "message.received", "from": "contact"},
  "if": {"field": "message.text", "op": "contains", "value": "factura"},
  "steps": [
    {"do": "assign", "team": "billing"},
    {"do": "set_priority", "priority": "high"}
  ]
}`

// workflows tells the workflow part of the tour (R16): the billing
// workflow is published, a message that mentions "factura" runs it, the
// run's history says what it did, and a dry run of another message, the
// damaged box, shows that it would not start, changing nothing.
func workflows(ctx context.Context, eng *contactcenter.Engine, say func(string, ...any), tick func(time.Duration), damaged conversation.Message) error {
	tick(6 * time.Minute)
	say("12:20  The help desk adds a team, billing, and publishes a workflow: a message that mentions \"factura\" goes there, priority high.")
	if err := eng.PutTeam(ctx, contactcenter.TeamChange{Team: conversation.Team{ID: "billing", Workspace: ws, Name: "Billing"}, By: conversation.Host()}); err != nil {
		return err
	}
	def, err := workflow.Parse([]byte(billingWorkflow), workflow.Catalog{})
	if err != nil {
		return err
	}
	info, err := eng.PublishWorkflow(ctx, contactcenter.WorkflowPublishing{Workspace: ws, Definition: def, By: conversation.Host()})
	if err != nil {
		return err
	}
	if err := eng.Settle(ctx); err != nil {
		return err
	}
	say("   Workflow %q, version %d, enabled: %t.", info.Name, info.Version, info.Enabled)

	tick(time.Minute)
	say("12:21  Marta writes on the chat bot account about an invoice.")
	r, err := eng.Receive(ctx, contactcenter.Inbound{
		Workspace: ws, Channel: "tg", ExternalID: "update-3",
		From: contactcenter.Sender{ExternalID: "chat-43", Name: "Marta", Language: "es"},
		Text: "Buenos días, necesito una copia de mi factura de febrero",
	})
	if err != nil {
		return err
	}
	if err := eng.Settle(ctx); err != nil {
		return err
	}
	conv, err := eng.Conversation(ctx, ws, r.Conversation.ID)
	if err != nil {
		return err
	}
	t, err := eng.Ticket(ctx, ws, conv.Ticket)
	if err != nil {
		return err
	}
	say("   Ticket #%d went to team %s with priority %s; it waits in the team's queue, unassigned: %t.", t.Number, conv.Team, t.Priority, conv.Assignee == "")
	runs, _, err := eng.WorkflowRuns(ctx, ws, store.RunFilter{Conversation: conv.ID})
	if err != nil {
		return err
	}
	say("   The history of its workflow runs:")
	for _, run := range runs {
		say("     %s: workflow %q version %d, started by %s, %s.", run.StartedAt.Format("15:04"), run.Workflow, run.Version, run.Trigger.Type, run.State)
		for _, c := range run.Conditions {
			say("       if %s %s %q: %t", c.Field, c.Op, c.Want, c.Held)
		}
		for _, st := range run.Steps {
			say("       step %d, %s: %s", st.Step+1, st.Do, st.Outcome)
		}
	}

	say("12:21  A dry run: what would Lucía's message about the damaged box do to the workflows? It changes nothing.")
	res, err := eng.DryRun(ctx, contactcenter.DryRun{Workspace: ws, Event: conversation.Event{
		Type: conversation.EventMessageReceived, Conversation: damaged.Conversation, Message: damaged.ID,
	}})
	if err != nil {
		return err
	}
	for _, w := range res.Workflows {
		say("   %q: triggered %t, would start %t (%s).", w.Name, w.Triggered, w.Started, w.Skip)
		for _, c := range w.Conditions {
			say("     %s %q %s %q: %t", c.Field, c.Got, c.Op, c.Want, c.Held)
		}
	}
	lucia, err := eng.Conversation(ctx, ws, damaged.Conversation)
	if err != nil {
		return err
	}
	say("   Lucía's conversation keeps no team: %t.", lucia.Team == "")
	return nil
}
