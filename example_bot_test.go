package contactcenter_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// A channel whose settings name a bot hands its new conversations to the
// bot first (R2): the bot's answer is sent as a bot message, and its
// hand-off puts the conversation in the agents' queue with a note. The
// bot's turns run after the message is stored, in the background; this
// example waits for them through the published events.
func Example_chatbot() {
	ctx := context.Background()
	finished := make(chan conversation.Event, 8)
	bot := chatbot.Func(func(_ context.Context, t chatbot.Turn) (chatbot.Reply, error) {
		if strings.Contains(t.Text(), "human") {
			return chatbot.Reply{Actions: []chatbot.Action{chatbot.HandOff{Note: "asked for a person"}}}, nil
		}
		return chatbot.Reply{Messages: []chatbot.Message{{Text: "We open at 9."}}}, nil
	})
	eng, err := contactcenter.New(contactcenter.Config{
		Store: memory.New(),
		Bots:  map[string]chatbot.Bot{"helper": bot},
		Publish: func(_ context.Context, e conversation.Event) error {
			if e.Type == conversation.EventBotTurnFinished || e.Type == conversation.EventBotHandedOff {
				finished <- e
			}
			return nil
		},
	})
	if err != nil {
		panic(err)
	}
	defer eng.Close()
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	if err := eng.PutChannel(ctx, contactcenter.ChannelChange{
		Channel:   channel.Channel{ID: "web", Workspace: "acme", Kind: channel.KindMemory, Account: "web", Settings: channel.Settings{Bot: channel.Bot{Name: "helper"}}},
		Transport: tr, By: conversation.Host(),
	}); err != nil {
		panic(err)
	}
	write := func(id, text string) conversation.Conversation {
		r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "acme", Channel: "web", ExternalID: id,
			From: contactcenter.Sender{ExternalID: "visitor-1"}, Text: text})
		if err != nil {
			panic(err)
		}
		return r.Conversation
	}

	c := write("1", "When do you open?")
	fmt.Println("held by:", c.Bot)
	fmt.Println((<-finished).Type)
	ms, _ := eng.Messages(ctx, "acme", c.ID)
	fmt.Printf("%s: %s\n", ms[1].Author.Kind, ms[1].Text)

	write("2", "I want a human")
	off := <-finished
	fmt.Println(off.Type, "-", off.Detail)
	<-finished
	c, _ = eng.Conversation(ctx, "acme", c.ID)
	fmt.Println("waiting in the queue:", c.Waiting())
	// Output:
	// held by: helper
	// bot.turn_finished
	// bot: We open at 9.
	// bot.handed_off - asked for a person
	// waiting in the queue: true
}

// Settle waits for what a command left to run in the background, here the
// bot's turn (R2), and for the publication of every event: a test or a
// script reads the outcome right after.
func ExampleEngine_Settle() {
	ctx := context.Background()
	var published []conversation.EventType
	eng, err := contactcenter.New(contactcenter.Config{
		Store: memory.New(),
		Bots: map[string]chatbot.Bot{"helper": chatbot.Func(func(context.Context, chatbot.Turn) (chatbot.Reply, error) {
			return chatbot.Reply{Messages: []chatbot.Message{{Text: "We open at 9."}}}, nil
		})},
		Publish: func(_ context.Context, e conversation.Event) error {
			published = append(published, e.Type) // Publish runs one call at a time
			return nil
		},
	})
	if err != nil {
		panic(err)
	}
	defer eng.Close()
	if err := eng.PutChannel(ctx, contactcenter.ChannelChange{
		Channel:   channel.Channel{ID: "web", Workspace: "acme", Kind: channel.KindMemory, Account: "web", Settings: channel.Settings{Bot: channel.Bot{Name: "helper"}}},
		Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host(),
	}); err != nil {
		panic(err)
	}
	r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "acme", Channel: "web", ExternalID: "1",
		From: contactcenter.Sender{ExternalID: "visitor-1"}, Text: "When do you open?"})
	if err != nil {
		panic(err)
	}
	if err := eng.Settle(ctx); err != nil {
		panic(err)
	}
	ms, _ := eng.Messages(ctx, "acme", r.Conversation.ID)
	fmt.Println(len(ms), "messages; the bot's:", ms[1].Text)
	fmt.Println(published[len(published)-1])
	// Output:
	// 2 messages; the bot's: We open at 9.
	// message.sent
}
