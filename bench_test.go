package contactcenter_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// BenchmarkReceiveExisting measures an inbound text message to an existing
// open conversation on the memory store: idempotency check, contact and
// conversation lookup, the R9 decision, commit and event publication.
//
//	go test -run '^$' -bench ReceiveExisting -benchmem -cpu 1 .
func BenchmarkReceiveExisting(b *testing.B) {
	f := newFixtureOn(b, memory.New(), channel.Capabilities{Text: true})
	f.write(b, "chat-1", "u0", "hello")
	published := 0
	eng, err := contactcenter.New(contactcenter.Config{
		Store: f.store, Now: f.clock.Now,
		Publish: func(_ context.Context, e conversation.Event) error { published++; return nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.AddChannel(channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, f.tr); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = "u" + strconv.Itoa(i+1)
	}
	in := contactcenter.Inbound{Workspace: ws, Channel: "tg", From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "one more message"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		in.ExternalID = ids[i]
		r, err := eng.Receive(bg, in)
		if err != nil || r.Opened {
			b.Fatal(err, r.Opened)
		}
	}
	b.StopTimer()
	if published != b.N {
		b.Fatalf("published %d events for %d messages", published, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
