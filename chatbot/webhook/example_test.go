package webhook_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/webhook"
)

// A bot written in Go serves turns with Handler; the engine reaches it
// with a Bot that has the same secret. Here both run in one process, over
// a local test server. The bot hands a contact who asks for a person to
// the support team and otherwise answers and remembers, in its state, how
// many messages it has seen.
func Example() {
	secret := []byte("a secret of at least 32 random bytes")
	srv := httptest.NewServer(webhook.Handler(secret, chatbot.Func(func(_ context.Context, t chatbot.Turn) (chatbot.Reply, error) {
		seen := len(t.State) + len(t.Messages)
		if strings.Contains(strings.ToLower(t.Text()), "person") {
			return chatbot.Reply{
				Messages: []chatbot.Message{{Text: "I'll find you a person."}},
				Actions:  []chatbot.Action{chatbot.Tag{Tag: "wants-human"}, chatbot.HandOff{Team: "support", Note: "asked for a person"}},
				State:    make(chatbot.State, seen),
			}, nil
		}
		return chatbot.Reply{
			Messages: []chatbot.Message{{Text: fmt.Sprintf("Hello %s, message %d", t.Contact.Name, seen)}},
			State:    make(chatbot.State, seen),
		}, nil
	})))
	defer srv.Close()

	bot := &webhook.Bot{URL: srv.URL, Secret: secret}
	turn := chatbot.Turn{
		ID: "turn-1", Kind: chatbot.TurnOpened, Bot: "greeter", Workspace: "acme", Conversation: "c1", Channel: "telegram",
		Contact:  chatbot.Contact{ID: "k1", Name: "Ana"},
		Messages: []chatbot.Inbound{{ID: "m1", Text: "hi"}},
	}
	for _, text := range []string{"hi", "can I talk to a person?"} {
		turn.Messages[0].Text = text
		r, err := bot.Turn(context.Background(), turn)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, m := range r.Messages {
			fmt.Println("say:", m.Text)
		}
		for _, a := range r.Actions {
			fmt.Printf("do: %s %+v\n", a.Kind(), a)
		}
		turn.ID, turn.Kind, turn.State = "turn-2", chatbot.TurnMessage, r.State
	}
	// Output:
	// say: Hello Ana, message 1
	// say: I'll find you a person.
	// do: tag {Tag:wants-human}
	// do: hand_off {Team:support Note:asked for a person}
}

// A reply as a bot in any language writes it, decoded for the engine.
func ExampleDecodeReply() {
	r, err := webhook.DecodeReply([]byte(`{
	  "messages": [{"text": "Your order ships tomorrow."}],
	  "actions": [
	    {"type": "set_field", "key": "order", "value": "123"},
	    {"type": "set_priority", "priority": "high"},
	    {"type": "close", "category": "resolved", "summary": "order status"}
	  ],
	  "state": "c3RlcD0z"
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Messages[0].Text)
	for _, a := range r.Actions {
		fmt.Printf("%s %+v\n", a.Kind(), a)
	}
	fmt.Printf("state %q\n", r.State)

	_, err = webhook.DecodeReply([]byte(`{"actions": [{"type": "escalate"}]}`))
	fmt.Println(err)
	// Output:
	// Your order ships tomorrow.
	// set_field {Key:order Value:123}
	// set_priority {Priority:high}
	// close {Note:{Category:resolved Summary:order status}}
	// state "step=3"
	// webhook: invalid chatbot turn, reply or action: reply: actions[0]: unknown action type "escalate"
}

// The signature of a message is an HMAC-SHA256 of its timestamp, a full
// stop and its body; Verify checks it and the timestamp's age.
func ExampleSign() {
	secret := []byte("example-secret")
	body := []byte(`{"messages":[{"text":"Hello"}],"actions":[]}`)
	fmt.Println(webhook.Sign(secret, "1764615600", body))
	// Output:
	// sha256=15c48aa19ef1ec9f5cd1e6161ab4b42caa5181a62f94b36fb52c822f57827b08
}

// EncodeTurn is the body of the request a bot receives.
func ExampleEncodeTurn() {
	body, _ := webhook.EncodeTurn(chatbot.Turn{
		ID: "turn-1", Kind: chatbot.TurnOpened, Bot: "greeter", Workspace: "acme", Conversation: "c1", Channel: "telegram",
		Contact:  chatbot.Contact{ID: "k1", Name: "Ana", Language: "en"},
		Messages: []chatbot.Inbound{{ID: "m1", Text: "hi"}},
	})
	fmt.Println(string(body))
	// Output:
	// {"id":"turn-1","kind":"opened","bot":"greeter","workspace":"acme","conversation":"c1","ticket":"","channel":"telegram","contact":{"id":"k1","name":"Ana","language":"en","fields":{}},"messages":[{"id":"m1","text":"hi"}]}
}
