package postgres_test

import (
	"context"
	"fmt"
	"log"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/postgres"
)

// Open connects with a DSN and applies the migrations the schema lacks;
// engines in several processes share the database, each on its own Open.
// Here two engines, as two processes would: a message stored through one
// is seen by the other, and a delivery repeated to the other is stored
// once (R18).
//
// The example has no "// Output:" comment, so go test compiles it but does
// not run it: it needs a server, and would fail wherever none runs. The
// program examples/postgres tells the same story and more, runs with
// "go run ./examples/postgres -dsn DSN", and its test runs it on the test
// database.
func ExampleOpen() {
	ctx := context.Background()
	dsn := "postgres://127.0.0.1:5432/test?sslmode=disable"

	open := func() (*postgres.Store, *contactcenter.Engine) {
		st, err := postgres.Open(ctx, dsn) // migrates on open
		if err != nil {
			log.Fatal(err)
		}
		eng, err := contactcenter.New(contactcenter.Config{Store: st})
		if err != nil {
			log.Fatal(err)
		}
		// Each process configures its channels with its own transport.
		if err := eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "acme", Kind: channel.KindTelegram, Account: "support-bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}); err != nil {
			log.Fatal(err)
		}
		return st, eng
	}
	st1, eng1 := open()
	defer st1.Close()
	defer eng1.Close()
	st2, eng2 := open()
	defer st2.Close()
	defer eng2.Close()

	in := contactcenter.Inbound{Workspace: "acme", Channel: "tg", ExternalID: "update-1",
		From: contactcenter.Sender{ExternalID: "chat-42", Name: "Lucía"}, Text: "Hello"}
	r, err := eng1.Receive(ctx, in)
	if err != nil {
		log.Fatal(err)
	}
	again, err := eng2.Receive(ctx, in)
	if err != nil {
		log.Fatal(err)
	}
	c, err := eng2.Conversation(ctx, "acme", r.Conversation.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ticket #%d; the other engine sees it: %t; the repeat is a duplicate: %t\n", r.Conversation.TicketNumber, c.TicketNumber == r.Conversation.TicketNumber, again.Duplicate)
}
