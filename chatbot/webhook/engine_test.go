package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/webhook"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
)

// R2 end to end: the engine holds a conversation for a bot behind a
// webhook that answers hand-written JSON, as a bot in any language would.
// The bot's message is sent, its tag and field applied, its state comes
// back in the next turn, and its hand-off puts the conversation in the
// queue. A reply the bot does not sign fails the turn, with a reason that
// says so.
func TestEngineWithAWebhookBot(t *testing.T) {
	var mu sync.Mutex
	var states []string
	unsigned := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret, r.Header.Get(webhook.TimestampHeader), r.Header.Get(webhook.SignatureHeader), body, time.Now(), 0); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var turn struct {
			ID       string `json:"id"`
			Kind     string `json:"kind"`
			State    string `json:"state"`
			Messages []struct {
				Text string `json:"text"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(body, &turn); err != nil || turn.ID != r.Header.Get(webhook.IdempotencyHeader) {
			http.Error(w, "bad turn", http.StatusBadRequest)
			return
		}
		mu.Lock()
		states = append(states, turn.Kind+":"+turn.State)
		broken := unsigned
		mu.Unlock()
		reply := `{"messages":[{"text":"We open at 9."}],"actions":[{"type":"tag","tag":"hours"},{"type":"set_field","key":"topic","value":"hours"}],"state":"c3RlcD0x"}`
		if strings.Contains(turn.Messages[len(turn.Messages)-1].Text, "human") {
			reply = `{"actions":[{"type":"hand_off","note":"asked for a person"}]}`
		}
		if broken {
			_, _ = io.WriteString(w, reply)
			return
		}
		signed(w, http.StatusOK, 0, reply)
	}))
	defer srv.Close()

	ctx := context.Background()
	events := make(chan conversation.Event, 32)
	eng, err := contactcenter.New(contactcenter.Config{
		Store: memory.New(),
		Bots:  map[string]chatbot.Bot{"hook": &webhook.Bot{URL: srv.URL, Secret: secret}},
		Publish: func(_ context.Context, e conversation.Event) error {
			switch e.Type {
			case conversation.EventBotTurnFinished, conversation.EventBotHandedOff, conversation.EventBotTurnFailed:
				events <- e
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if err := eng.PutChannel(ctx, contactcenter.ChannelChange{
		Channel:   channel.Channel{ID: "web", Workspace: "acme", Kind: channel.KindMemory, Account: "web", Settings: channel.Settings{Bot: channel.Bot{Name: "hook"}}},
		Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host(),
	}); err != nil {
		t.Fatal(err)
	}
	write := func(id, from, text string) conversation.Conversation {
		t.Helper()
		r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "acme", Channel: "web", ExternalID: id,
			From: contactcenter.Sender{ExternalID: from}, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return r.Conversation
	}
	next := func() conversation.Event {
		t.Helper()
		select {
		case e := <-events:
			return e
		case <-time.After(10 * time.Second):
			t.Fatal("no bot event within 10s")
		}
		return conversation.Event{}
	}

	c := write("1", "visitor-1", "When do you open?")
	if e := next(); e.Type != conversation.EventBotTurnFinished {
		t.Fatalf("first event %s: %s", e.Type, e.Detail)
	}
	ms, err := eng.Messages(ctx, "acme", c.ID)
	if err != nil || len(ms) != 2 || ms[1].Author.Kind != conversation.AuthorBot || ms[1].Text != "We open at 9." {
		t.Fatalf("messages %+v, %v", ms, err)
	}
	tk, err := eng.Ticket(ctx, "acme", c.Ticket)
	if err != nil || !tk.HasTag("hours") {
		t.Errorf("ticket tags %v, %v", tk.Tags, err)
	}
	if k, err := eng.Contact(ctx, "acme", c.Contact); err != nil || k.Fields["topic"] != "hours" {
		t.Errorf("contact fields %v, %v", k.Fields, err)
	}

	write("2", "visitor-1", "I want a human")
	if e := next(); e.Type != conversation.EventBotHandedOff || e.Detail != "asked for a person" {
		t.Errorf("hand-off event %s %q", e.Type, e.Detail)
	}
	next() // the turn's end
	if c, err = eng.Conversation(ctx, "acme", c.ID); err != nil || !c.Waiting() {
		t.Errorf("after the hand-off: waiting %v, %v", c.Waiting(), err)
	}
	mu.Lock()
	if len(states) != 2 || states[0] != "opened:" || states[1] != "message:c3RlcD0x" {
		t.Errorf("turns seen by the bot: %q", states)
	}
	unsigned = true
	mu.Unlock()

	write("3", "visitor-2", "Hello?")
	if e := next(); e.Type != conversation.EventBotTurnFailed || !strings.Contains(e.Detail, "signature") {
		t.Errorf("an unsigned reply: %s %q", e.Type, e.Detail)
	}
}
