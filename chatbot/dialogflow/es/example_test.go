package es_test

import (
	"context"
	"fmt"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/dialogflow"
	"github.com/telenet/contactcenter/chatbot/dialogflow/dialogflowfake"
	"github.com/telenet/contactcenter/chatbot/dialogflow/es"
)

// An ES agent as a chatbot.Bot, against the fake: the intent answers a
// text and hands off to billing with a tag; the engine would apply the
// reply as Validate sorts it.
func Example() {
	srv := dialogflowfake.NewServer()
	defer srv.Close()
	srv.Add(dialogflowfake.Intent{
		Name: "refund", Phrases: []string{"refund"},
		Texts:      []string{"A person from billing will answer you."},
		Parameters: map[string]any{"handoff": "billing", "note": "asks for a refund", "tag": "refund", "order_id": ""},
	})

	var bot chatbot.Bot = &es.Client{
		Project:  "acme-support",
		Endpoint: srv.URL(), // "" for https://dialogflow.googleapis.com
		Token:    dialogflow.StaticToken("ya29.token"),
	}
	r, err := bot.Turn(context.Background(), chatbot.Turn{
		ID: "turn-1", Kind: chatbot.TurnMessage, Bot: "dialogflow", Workspace: "acme", Conversation: "c1", Channel: "telegram",
		Contact:  chatbot.Contact{ID: "k1", Name: "Ana", Language: "en-GB"},
		Messages: []chatbot.Inbound{{ID: "m1", Text: "I want a refund"}},
	})
	if err != nil {
		panic(err)
	}
	checked, _ := r.Validate()
	for _, m := range checked.Messages {
		fmt.Println("say:", m.Text)
	}
	for _, a := range checked.Actions {
		fmt.Printf("do: %s %+v\n", a.Kind(), a)
	}
	q := srv.Requests()[0]
	fmt.Println("sent:", q.Text, q.LanguageCode, q.Authorization, q.Session == dialogflow.SessionID("acme", "c1"))
	// Output:
	// say: A person from billing will answer you.
	// do: tag {Tag:refund}
	// do: hand_off {Team:billing Note:asks for a refund}
	// sent: I want a refund en-GB Bearer ya29.token true
}
