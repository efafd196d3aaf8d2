package telegram_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/telegram"
	"github.com/telenet/contactcenter/telegram/telegramtest"
)

// exampleEngine returns an engine on the memory store with a fixed clock,
// the Telegram channel "tg" of workspace "acme" sending with b, and the
// agent ana.
func exampleEngine(b *telegram.Bot) *contactcenter.Engine {
	ctx := context.Background()
	eng, err := contactcenter.New(contactcenter.Config{
		Store: memory.New(),
		Now:   func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) },
		NewID: contactcenter.SequentialIDs("id"),
	})
	if err != nil {
		panic(err)
	}
	// PutChannel checks with getMe that the token is the bot's (R1).
	if err := eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "acme", Kind: channel.KindTelegram, Account: "SupportBot"}, Transport: b, By: conversation.Host()}); err != nil {
		panic(err)
	}
	if _, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: "acme", Name: "Ana"}, By: conversation.Host()}); err != nil {
		panic(err)
	}
	return eng
}

// A bot that receives by long polling, against telegramtest's fake Bot
// API server (a real bot leaves out WithAPIURL). Poll hands each update to
// a Receiver, which stores it with Engine.Receive; the update is confirmed
// to Telegram only once stored (R18). An agent's reply goes out with
// sendMessage, to the chat the contact wrote from.
func ExampleBot_Poll() {
	const token = "123:secret"
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.AddBot(token, "SupportBot")
	b, err := telegram.New(token, telegram.WithAPIURL(srv.URL()), telegram.WithPollTimeout(time.Second))
	if err != nil {
		panic(err)
	}
	eng := exampleEngine(b)
	defer eng.Close()

	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Poll(ctx, telegram.Receiver{Engine: eng, Workspace: "acme", Channel: "tg"}) }()

	lucia := srv.User(42, "Lucía", "es-MX")
	lucia.Send(token, "¿Dónde está mi pedido?")
	if !srv.WaitUntil(10*time.Second, func() bool { return srv.Confirmed(token) == 1 }) {
		panic("the update was not confirmed")
	}
	stop()
	fmt.Println("Poll returned:", <-done)

	bg := context.Background()
	q, err := eng.Queue(bg, "acme", 0)
	if err != nil {
		panic(err)
	}
	msgs, err := eng.Messages(bg, "acme", q[0].ID)
	if err != nil {
		panic(err)
	}
	contact, err := eng.Contact(bg, "acme", q[0].Contact)
	if err != nil {
		panic(err)
	}
	fmt.Printf("waiting: ticket #%d from %s (%s): %q, id %s\n", q[0].TicketNumber, contact.Name, contact.Language, msgs[0].Text, msgs[0].ExternalID)

	m, err := eng.Reply(bg, contactcenter.Reply{Workspace: "acme", Conversation: q[0].ID, Agent: "ana", Text: "Hola Lucía, ya lo reviso."})
	if err != nil {
		panic(err)
	}
	fmt.Println("reply:", m.Delivery)
	for _, c := range srv.CallsTo("sendMessage") {
		fmt.Printf("sendMessage chat_id=%s text=%q\n", c.Params["chat_id"], c.Params["text"])
	}
	for _, s := range srv.Sent(token, lucia.ID()) {
		fmt.Printf("Lucía's chat shows: %s\n", s.Text)
	}
	// Output:
	// Poll returned: context canceled
	// waiting: ticket #1 from Lucía (es-MX): "¿Dónde está mi pedido?", id 42:1
	// reply: sent
	// sendMessage chat_id=42 text="Hola Lucía, ya lo reviso."
	// Lucía's chat shows: Hola Lucía, ya lo reviso.
}

// A bot that receives by webhook. WebhookHandler is mounted on the host's
// HTTP server (httptest here) and SetWebhook tells Telegram where it is
// and which secret to send in the X-Telegram-Bot-Api-Secret-Token header;
// the fake Bot API server then posts the contact's update there, and the
// handler answers 200 once the update is stored (R18), so that Telegram
// posts again what was not. A post without the secret is refused with 403
// and stores nothing.
func ExampleBot_WebhookHandler() {
	const token = "123:secret"
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.AddBot(token, "SupportBot")
	b, err := telegram.New(token, telegram.WithAPIURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	eng := exampleEngine(b)
	defer eng.Close()

	const secret = "hook-secret-7"
	mux := http.NewServeMux()
	mux.Handle("POST /telegram/webhook", b.WebhookHandler(secret, telegram.Receiver{Engine: eng, Workspace: "acme", Channel: "tg"}))
	host := httptest.NewServer(mux)
	defer host.Close()
	ctx := context.Background()
	if err := b.SetWebhook(ctx, host.URL+"/telegram/webhook", secret); err != nil {
		panic(err)
	}

	lucia := srv.User(42, "Lucía", "es-MX")
	lucia.Send(token, "Mi factura está duplicada")
	if !srv.WaitUntil(10*time.Second, func() bool { return srv.Confirmed(token) == 1 }) {
		panic("the update was not confirmed")
	}

	// A forged update, without the secret.
	forged := `{"update_id":99,"message":{"message_id":5,"date":1772442000,"chat":{"id":42,"type":"private"},"text":"forged"}}`
	resp, err := http.Post(host.URL+"/telegram/webhook", "application/json", strings.NewReader(forged))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("forged post:", resp.Status)

	q, err := eng.Queue(ctx, "acme", 0)
	if err != nil {
		panic(err)
	}
	msgs, err := eng.Messages(ctx, "acme", q[0].ID)
	if err != nil {
		panic(err)
	}
	for _, m := range msgs {
		fmt.Printf("stored: %q\n", m.Text)
	}

	if _, err := eng.Reply(ctx, contactcenter.Reply{Workspace: "acme", Conversation: q[0].ID, Agent: "ana", Text: "La anulo ahora mismo."}); err != nil {
		panic(err)
	}
	for _, s := range srv.Sent(token, lucia.ID()) {
		fmt.Printf("sendMessage to %d: %s\n", s.Chat.ID, s.Text)
	}
	// Output:
	// forged post: 403 Forbidden
	// stored: "Mi factura está duplicada"
	// sendMessage to 42: La anulo ahora mismo.
}
