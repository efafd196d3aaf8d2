package telegram

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// BenchmarkUpdateBatches measures the library's part of an update's way
// in, without the Bot API server: getUpdates' answers of 100 updates from
// 1,000 users are decoded, each update is stored by the engine on the memory
// store, and the offset that confirms them is computed.
//
//	go test -run '^$' -bench UpdateBatches -benchtime 100000x -cpu 1 ./telegram/
func BenchmarkUpdateBatches(b *testing.B) {
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New()})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	if err := eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "SupportBot"}, Transport: tr, By: conversation.Host()}); err != nil {
		b.Fatal(err)
	}
	bot := &Bot{log: discard()}
	recv := Receiver{Engine: eng, Workspace: "w", Channel: "tg"}
	var bodies [][]byte
	for first := 0; first < b.N; first += maxBatch {
		var batch []*models.Update
		for id := first; id < min(first+maxBatch, b.N); id++ {
			user := int64(5000 + id%1000)
			batch = append(batch, &models.Update{ID: int64(id + 1), Message: &models.Message{ID: id + 1, Date: 1767225600,
				Chat: models.Chat{ID: user, Type: models.ChatTypePrivate, FirstName: "U"},
				From: &models.User{ID: user, FirstName: "U", LanguageCode: "en"}, Text: "a message like any other"}})
		}
		body, err := json.Marshal(map[string]any{"ok": true, "result": batch})
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var offset int64
	for _, body := range bodies {
		updates, last, err := decodeUpdates(body, func(id int64, err error) { b.Fatalf("update %d skipped: %v", id, err) })
		if err != nil {
			b.Fatal(err)
		}
		next, failed := bot.handleBatch(context.Background(), updates, last, recv)
		if failed {
			b.Fatal("a batch failed")
		}
		offset = next
	}
	b.StopTimer()
	if offset != int64(b.N)+1 {
		b.Fatalf("offset %d after %d updates", offset, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}
