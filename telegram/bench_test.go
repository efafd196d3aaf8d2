package telegram_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/telegram"
	"github.com/telenet/contactcenter/telegram/telegramtest"
)

// BenchmarkOutboundBacklog sends a backlog of b.N replies, spread over 60
// chats, through the engine and the bot against the fake Bot API enforcing
// Telegram's limits (30 messages a second overall, 1 a second per chat). It
// reports the rate reached, as a share of the 30/s budget, and the 429s
// Telegram answered after the first second.
//
//	go test -run '^$' -bench OutboundBacklog -benchtime 300x ./telegram/
func BenchmarkOutboundBacklog(b *testing.B) {
	// One message on its way at a time (the default, so that a crash sends
	// at most one twice) against eight.
	for _, inFlight := range []int{1, 8} {
		b.Run(fmt.Sprintf("inflight=%d", inFlight), func(b *testing.B) { benchmarkOutboundBacklog(b, inFlight) })
	}
}

func benchmarkOutboundBacklog(b *testing.B, inFlight int) {
	const chats = 60
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.AddBot(token, "SupportBot")
	srv.SetLimits(telegramtest.Limits{PerSecond: 30, PerChatPerSecond: 1})
	bot, err := telegram.New(token, telegram.WithAPIURL(srv.URL()))
	if err != nil {
		b.Fatal(err)
	}
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), MaxInFlight: inFlight})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	if err := eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "SupportBot"}, Transport: bot, By: conversation.Host()}); err != nil {
		b.Fatal(err)
	}
	if _, err := eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: "w"}, By: conversation.Host()}); err != nil {
		b.Fatal(err)
	}
	convs := make([]conversation.ID, chats)
	for i := range convs {
		srv.User(int64(1000+i), "C", "en")
		r, err := eng.Receive(bg, contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: fmt.Sprint("u", i),
			From: contactcenter.Sender{ExternalID: fmt.Sprint(1000 + i)}, Text: "hello"})
		if err != nil {
			b.Fatal(err)
		}
		convs[i] = r.Conversation.ID
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if _, err := eng.Reply(bg, contactcenter.Reply{Workspace: "w", Conversation: convs[i%chats], Agent: "ana", Text: fmt.Sprint("reply ", i)}); err != nil {
			b.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	go func() { _ = eng.Run(ctx, time.Second) }()
	sent := func() int {
		n := 0
		for i := range chats {
			n += len(srv.Sent(token, int64(1000+i)))
		}
		return n
	}
	var tooManyAt1s int
	time.AfterFunc(time.Second, func() { tooManyAt1s = srv.TooManyRequests() })
	if !srv.WaitUntil(time.Duration(b.N)*time.Second/10+30*time.Second, func() bool { return sent() == b.N }) {
		b.Fatalf("only %d of %d sent", sent(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(100*rate/30, "%budget")
	b.ReportMetric(float64(srv.TooManyRequests()-tooManyAt1s), "429s-after-1s")
}

// BenchmarkUpdates measures an update's way in: fetched from the fake Bot
// API by long polling, decoded, stored by the engine on the memory store,
// and confirmed by the next getUpdates. b.N updates from 1,000 users are
// queued before the clock starts.
//
//	go test -run '^$' -bench 'Updates$' -benchtime 100000x -cpu 1 ./telegram/
func BenchmarkUpdates(b *testing.B) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.AddBot(token, "SupportBot")
	bot, err := telegram.New(token, telegram.WithAPIURL(srv.URL()), telegram.WithPollTimeout(time.Second))
	if err != nil {
		b.Fatal(err)
	}
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New()})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	if err := eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "SupportBot"}, Transport: bot, By: conversation.Host()}); err != nil {
		b.Fatal(err)
	}
	users := make([]*telegramtest.User, 1000)
	for i := range users {
		users[i] = srv.User(int64(5000+i), "U", "en")
	}
	for i := range b.N {
		users[i%len(users)].Send(token, "a message like any other")
	}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	b.ResetTimer()
	start := time.Now()
	go func() { _ = bot.Poll(ctx, telegram.Receiver{Engine: eng, Workspace: "w", Channel: "tg"}) }()
	if !srv.WaitUntil(5*time.Minute, func() bool { return srv.Confirmed(token) == int64(b.N) }) {
		b.Fatalf("confirmed %d of %d", srv.Confirmed(token), b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "updates/s")
}
