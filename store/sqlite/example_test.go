package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/sqlite"
)

// An engine on a SQLite file keeps its state across a restart: the
// conversation, its ticket number, its messages and the contact are read
// back from the file by the next process, and an update the channel
// delivers again after the restart is still recognised and stored once
// (R18). Open creates the file and applies the migrations; opening it
// again applies only those not yet applied.
func ExampleOpen() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "contactcenter-sqlite-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "contactcenter.db")

	// start is what a process does as it starts: open the file and make an
	// engine on it with the transport of its channels. The channels, like
	// everything the engine stores, live in the file: the first process
	// stores the channel, the next finds it. Each run gets its own id
	// prefix, since ids must stay unique across runs on one store.
	start := func(run string) (*sqlite.Store, *contactcenter.Engine, *channel.MemoryTransport) {
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			panic(err)
		}
		tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
		eng, err := contactcenter.New(contactcenter.Config{
			Store:      st,
			Now:        func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) },
			NewID:      contactcenter.SequentialIDs(run + "-"),
			Transports: map[channel.Kind]channel.Transport{channel.KindTelegram: tr},
		})
		if err != nil {
			panic(err)
		}
		return st, eng, tr
	}
	lucia := contactcenter.Sender{ExternalID: "chat-42", Name: "Lucía", Language: "es-MX"}

	// The first process: Lucía writes, Ana answers.
	st, eng, tr := start("run1")
	if err := eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "acme", Kind: channel.KindTelegram, Account: "support-bot"}, By: conversation.Host()}); err != nil {
		panic(err)
	}
	if _, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: "acme", Name: "Ana"}, By: conversation.Host()}); err != nil {
		panic(err)
	}
	r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "acme", Channel: "tg", ExternalID: "update-1", From: lucia, Text: "¿Dónde está mi pedido?"})
	if err != nil {
		panic(err)
	}
	if _, err := eng.Reply(ctx, contactcenter.Reply{Workspace: "acme", Conversation: r.Conversation.ID, Agent: "ana", Text: "Hola Lucía, lo reviso."}); err != nil {
		panic(err)
	}
	fmt.Printf("before: ticket #%d, conversation %s, sent %d\n", r.Conversation.TicketNumber, r.Conversation.ID, len(tr.Sent()))
	// Shutting down: the engine first, then the store.
	if err := eng.Close(); err != nil {
		panic(err)
	}
	if err := st.Close(); err != nil {
		panic(err)
	}

	// The next process, on the same file.
	st, eng, _ = start("run2")
	defer st.Close()
	defer eng.Close()
	c, err := eng.Conversation(ctx, "acme", r.Conversation.ID)
	if err != nil {
		panic(err)
	}
	msgs, err := eng.Messages(ctx, "acme", c.ID)
	if err != nil {
		panic(err)
	}
	contact, err := eng.Contact(ctx, "acme", c.Contact)
	if err != nil {
		panic(err)
	}
	fmt.Printf("after: ticket #%d, assignee %s, contact %s (%s)\n", c.TicketNumber, c.Assignee, contact.Name, contact.Language)
	for _, m := range msgs {
		fmt.Printf("  %s: %s (%s)\n", m.Direction, m.Text, m.Delivery)
	}

	// Telegram delivers update-1 again: it was stored before the restart.
	again, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "acme", Channel: "tg", ExternalID: "update-1", From: lucia, Text: "¿Dónde está mi pedido?"})
	if err != nil {
		panic(err)
	}
	fmt.Println("redelivery is a duplicate:", again.Duplicate)

	// Her next message joins the same conversation.
	next, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "acme", Channel: "tg", ExternalID: "update-2", From: lucia, Text: "Gracias"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("next message: conversation %s, new: %t\n", next.Conversation.ID, next.Opened)
	// Output:
	// before: ticket #1, conversation run1-3, sent 1
	// after: ticket #1, assignee ana, contact Lucía (es-MX)
	//   inbound: ¿Dónde está mi pedido? (none)
	//   outbound: Hola Lucía, lo reviso. (sent)
	// redelivery is a duplicate: true
	// next message: conversation run1-3, new: false
}
