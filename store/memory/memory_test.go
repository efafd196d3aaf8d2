package memory_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(testing.TB) store.Store { return memory.New() })
}

// A rolled-back transaction that stored more messages than one arena chunk
// holds leaves nothing behind, and later messages are stored normally.
func TestRollbackAcrossChunks(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	base := conversation.Message{Workspace: "w", Conversation: "c", Channel: "ch", Direction: conversation.FromContact,
		Kind: conversation.KindText, Text: "x", Version: 1}
	add := func(tx store.Tx, n int, prefix string) error {
		for i := range n {
			m := base
			m.ID = conversation.MessageID(prefix + strconv.Itoa(i))
			m.ExternalID = prefix + strconv.Itoa(i)
			if err := tx.CreateMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return add(tx, 700, "a") }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("no")
	if err := s.Update(ctx, func(tx store.Tx) error {
		if err := add(tx, 2500, "b"); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return add(tx, 10, "c") }); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(tx store.Tx) error {
		ms, err := tx.Messages(ctx, "w", "c")
		if err != nil {
			return err
		}
		if len(ms) != 710 {
			t.Fatalf("%d messages, want 710", len(ms))
		}
		if ms[699].ID != "a699" || ms[700].ID != "c0" || ms[709].ID != "c9" {
			t.Fatalf("order: %s %s %s", ms[699].ID, ms[700].ID, ms[709].ID)
		}
		if _, err := tx.MessageByExternalID(ctx, "w", "ch", "b0"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rolled-back message found: %v", err)
		}
		m, err := tx.Message(ctx, "w", "c9")
		if err != nil || m.ExternalID != "c9" {
			t.Fatalf("c9: %v %+v", err, m)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
