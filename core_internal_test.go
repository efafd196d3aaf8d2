package contactcenter

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
)

// A decision may produce any number of events and messages, and a step
// commits them all: a Change with 100 automatic messages and 100 more
// events goes through the one place that stores Changes, and every message
// is stored, sent in order, and every event published with the step's
// actor and cause.
func TestStepCommitsAChangeWithoutLimits(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var published []conversation.Event
	eng, err := New(Config{Store: memory.New(), Now: func() time.Time { return now }, NewID: SequentialIDs("id"),
		Publish: func(_ context.Context, e conversation.Event) error { published = append(published, e); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	if err := eng.PutChannel(ctx, ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "acme", Kind: channel.KindTelegram, Account: "bot"}, Transport: tr, By: conversation.Host()}); err != nil {
		t.Fatal(err)
	}
	r, err := eng.Receive(ctx, Inbound{Workspace: "acme", Channel: "tg", ExternalID: "u1", From: Sender{ExternalID: "chat-1"}, Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	published = nil

	_, err = eng.run(ctx, "many", conversation.AsBot("tester"), func(tx store.Tx, s *step) error {
		c, err := tx.Conversation(ctx, "acme", r.Conversation.ID)
		if err != nil {
			return err
		}
		ch := conversation.Change{Conversation: c}
		for i := range 100 {
			if err := ch.AddAutomatic(conversation.Message{ID: conversation.MessageID(fmt.Sprint("auto-", i)), Text: fmt.Sprint("note ", i)}, now); err != nil {
				return err
			}
			ch.Emit(conversation.Event{Type: conversation.EventPresenceChanged, Workspace: "acme", At: now, Agent: conversation.AgentID(fmt.Sprint("a", i))})
		}
		return s.add(ctx, tx, &ch)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.DeliverPending(ctx); err != nil {
		t.Fatal(err)
	}
	msgs, err := eng.Messages(ctx, "acme", r.Conversation.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 101 {
		t.Fatalf("%d messages stored, want the contact's and 100 automatic ones", len(msgs))
	}
	sent := tr.Sent()
	if len(sent) != 100 {
		t.Fatalf("%d messages sent, want 100", len(sent))
	}
	for i, m := range sent {
		if want := fmt.Sprint("note ", i); m.Text != want {
			t.Fatalf("send %d is %q, want %q: messages of a conversation go in order", i, m.Text, want)
		}
	}
	queued, presence := 0, 0
	for _, e := range published {
		switch e.Type {
		case conversation.EventMessageQueued:
			queued++
		case conversation.EventPresenceChanged:
			presence++
		}
		if e.Type != conversation.EventMessageSent && (e.Actor != conversation.AsBot("tester") || e.Cause.Name != "many" || e.Cause.Kind != conversation.CauseCommand) {
			t.Fatalf("event %s with actor %v and cause %+v, want the step's", e.Type, e.Actor, e.Cause)
		}
	}
	if queued != 100 || presence != 100 {
		t.Errorf("published %d message.queued and %d presence events, want 100 of each", queued, presence)
	}
}
