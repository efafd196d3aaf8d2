package contactcenter_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// A host runs Run in a goroutine for as long as it serves, and shuts down
// in order: cancel Run's context, wait for Run to return, Close the engine
// (it waits for its background work), then close the store. Here the
// first attempt to send an agent's reply fails for a moment; Reply
// returns with the message still pending (R18), and Run sends it again
// once its retry falls due.
func ExampleEngine_Run() {
	// A clock the example moves; Run reads it from its own goroutine.
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tick := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	st := memory.New()
	eng, err := contactcenter.New(contactcenter.Config{
		Store:        st,
		Now:          clock,
		NewID:        contactcenter.SequentialIDs("id"),
		RetryBackoff: func(int) time.Duration { return time.Minute },
	})
	if err != nil {
		panic(err)
	}
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	sent := make(chan channel.Outgoing, 1)
	tr.OnSend(func(m channel.Outgoing) { sent <- m })
	ctx := context.Background()
	if err := eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "acme", Kind: channel.KindTelegram, Account: "support-bot"}, Transport: tr, By: conversation.Host()}); err != nil {
		panic(err)
	}
	if _, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: "acme", Name: "Ana"}, By: conversation.Host()}); err != nil {
		panic(err)
	}

	// Start serving.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx, 10*time.Millisecond) }()

	r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "acme", Channel: "tg", ExternalID: "update-1",
		From: contactcenter.Sender{ExternalID: "chat-42", Name: "Lucía"}, Text: "Is anyone there?"})
	if err != nil {
		panic(err)
	}
	tr.Fail(fmt.Errorf("%w: connection reset", channel.ErrUnavailable))
	m, err := eng.Reply(ctx, contactcenter.Reply{Workspace: "acme", Conversation: r.Conversation.ID, Agent: "ana", Text: "Yes, Ana here."})
	if err != nil {
		panic(err)
	}
	fmt.Println("after Reply:", m.Delivery)

	// The retry falls due a minute later; Run sends it then.
	tick(time.Minute)
	out := <-sent
	fmt.Printf("Run sent to %s: %s\n", out.To, out.Text)

	// Shut down.
	stop()
	err = <-done
	fmt.Println("Run returned:", errors.Is(err, context.Canceled))
	if err := eng.Close(); err != nil {
		panic(err)
	}

	m, err = eng.Message(ctx, "acme", m.ID)
	if err != nil {
		panic(err)
	}
	fmt.Printf("stored: %s after %d attempts\n", m.Delivery, m.Attempts)
	if err := st.Close(); err != nil {
		panic(err)
	}
	// Output:
	// after Reply: pending
	// Run sent to chat-42: Yes, Ana here.
	// Run returned: true
	// stored: sent after 2 attempts
}
