package faultstore_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/faultstore"
	"github.com/telenet/contactcenter/store/memory"
)

// The connection drops while a message is committed: the engine stored it
// but reports the store unavailable, so the channel delivers the message
// again, and the engine recognises it (R18, R19).
func Example() {
	ctx := context.Background()
	s := faultstore.New(memory.New(), 1)
	eng, err := contactcenter.New(contactcenter.Config{Store: s})
	if err != nil {
		panic(err)
	}
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	if err := eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "acme", Kind: channel.KindMemory, Account: "bot"}, Transport: tr, By: conversation.Host()}); err != nil {
		panic(err)
	}
	in := contactcenter.Inbound{Workspace: "acme", Channel: "tg", ExternalID: "update-1",
		From: contactcenter.Sender{ExternalID: "chat-42"}, Text: "Where is my order?"}

	// The next Update commits, then fails.
	if err := s.Add(faultstore.Rule{Op: faultstore.OpUpdate, When: faultstore.After, Next: 1}); err != nil {
		panic(err)
	}
	_, err = eng.Receive(ctx, in)
	fmt.Println(contactcenter.ErrorCode(err), errors.Is(err, contactcenter.ErrUnavailable), errors.Is(err, faultstore.ErrInjected))

	r, err := eng.Receive(ctx, in) // redelivered
	fmt.Println(r.Duplicate, err)
	fmt.Println("faults:", s.Injected())
	// Output:
	// unavailable true true
	// true <nil>
	// faults: 1
}
