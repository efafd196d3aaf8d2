package telegram

import (
	"context"
	"testing"

	"github.com/go-telegram/bot/models"
)

// An update the client cannot read (a field of a type it does not expect)
// is skipped and confirmed with the others: it does not hold up the
// updates after it.
func TestDecodeSkipsUnreadableUpdate(t *testing.T) {
	body := []byte(`{"ok":true,"result":[
		{"update_id":7,"message":{"message_id":1,"date":0,"chat":{"id":42,"type":"private"},"text":"uno"}},
		{"update_id":8,"message":{"message_id":"two","chat":{"id":42,"type":"private"}}},
		{"update_id":9,"message":{"message_id":3,"date":0,"chat":{"id":42,"type":"private"},"text":"tres"}},
		{"update_id":10,"message":{"message_id":4,"chat":{"id":[]}}}]}`)
	var skipped []int64
	updates, last, err := decodeUpdates(body, func(id int64, err error) { skipped = append(skipped, id) })
	if err != nil {
		t.Fatal(err)
	}
	if len(updates) != 2 || updates[0].ID != 7 || updates[1].ID != 9 || last != 10 {
		t.Fatalf("updates %v, last %d", updates, last)
	}
	if len(skipped) != 2 || skipped[0] != 8 || skipped[1] != 10 {
		t.Errorf("skipped %v, want [8 10]", skipped)
	}
	var handled []int64
	b := &Bot{log: discard()}
	next, failed := b.handleBatch(context.Background(), updates, last, HandlerFunc(func(_ context.Context, u *models.Update) error {
		handled = append(handled, u.ID)
		return nil
	}))
	if failed || next != 11 || len(handled) != 2 {
		t.Errorf("next %d, failed %v, handled %v; want 11, false, [7 9]", next, failed, handled)
	}

	if _, _, err := decodeUpdates([]byte(`{"ok":true,"result":[{"update_id":"x"}]}`), func(int64, error) {}); err == nil {
		t.Error("an update whose id cannot be read cannot be confirmed: want an error")
	}
}
