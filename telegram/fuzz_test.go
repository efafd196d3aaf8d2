package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/telegram"
)

// FuzzWebhook posts any body to the webhook handler of a Receiver on an
// engine over the memory store. The handler never panics and answers 200,
// 400 or 500; a 200 for a private chat's message means the message was
// stored or recorded as rejected (R18), so that nothing Telegram is told
// was handled is lost unseen. The seed corpus is in
// testdata/fuzz/FuzzWebhook; CI runs only the seeds.
//
//	go test -run '^$' -fuzz FuzzWebhook -fuzztime 60s ./telegram/
func FuzzWebhook(f *testing.F) {
	b, err := telegram.New(token)
	if err != nil {
		f.Fatal(err)
	}
	s := memory.New()
	var mu sync.Mutex
	rejected := map[string]int{} // the channel's message id -> rejections
	eng, err := contactcenter.New(contactcenter.Config{Store: s, Publish: func(_ context.Context, e conversation.Event) error {
		if e.Type == conversation.EventMessageRejected {
			mu.Lock()
			rejected[e.ExternalID]++
			mu.Unlock()
		}
		return nil
	}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = eng.Close() })
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true, Voice: true, Files: true, Edit: true})
	if err := eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "SupportBot"}, Transport: tr, By: conversation.Host()}); err != nil {
		f.Fatal(err)
	}
	h := b.WebhookHandler("", telegram.Receiver{Engine: eng, Workspace: "w", Channel: "tg"})

	f.Fuzz(func(t *testing.T, body []byte) {
		var u models.Update
		private := json.NewDecoder(bytes.NewReader(body)).Decode(&u) == nil && u.Message != nil && u.Message.Chat.Type == models.ChatTypePrivate
		var ext string
		if private {
			ext = telegram.MessageID(u.Message.Chat.ID, u.Message.ID)
		}
		mu.Lock()
		before := rejected[ext]
		mu.Unlock()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body)))
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusInternalServerError:
		default:
			t.Fatalf("status %d for %q", w.Code, body)
		}
		if w.Code != http.StatusOK || !private {
			return
		}
		err := s.View(context.Background(), func(tx store.Tx) error {
			_, err := tx.MessageByExternalID(context.Background(), "w", "tg", ext)
			return err
		})
		switch {
		case err == nil:
			return // stored, now or by an earlier input with the same ids
		case !errors.Is(err, store.ErrNotFound):
			t.Fatal(err)
		}
		if err := eng.PublishPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		after := rejected[ext]
		mu.Unlock()
		if after > before {
			return
		}
		t.Fatalf("200 for message %s, neither stored nor rejected: %q", ext, body)
	})
}
