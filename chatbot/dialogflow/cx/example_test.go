package cx_test

import (
	"context"
	"fmt"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/dialogflow"
	"github.com/telenet/contactcenter/chatbot/dialogflow/cx"
	"github.com/telenet/contactcenter/chatbot/dialogflow/dialogflowfake"
)

// A CX agent as a chatbot.Bot, against the fake: a page that hands off
// with liveAgentHandoff, and one that ends the session.
func Example() {
	srv := dialogflowfake.NewServer()
	defer srv.Close()
	srv.Add(
		dialogflowfake.Intent{Name: "Agent", Phrases: []string{"agent", "human"},
			Texts:   []string{"Connecting you with a person."},
			HandOff: true, HandOffMetadata: map[string]any{"team": "support", "note": "asked for a person"}},
		dialogflowfake.Intent{Name: "End Session", Phrases: []string{"thanks"}, Texts: []string{"Glad to help!"}, EndInteraction: true},
	)
	bot := &cx.Client{
		Project: "acme-support", Location: "europe-west1", Agent: "2b8c6d4e",
		Endpoint:  srv.URL(), // "" for https://europe-west1-dialogflow.googleapis.com
		Token:     dialogflow.StaticToken("ya29.token"),
		Languages: []string{"en", "es"},
	}
	turn := chatbot.Turn{
		ID: "turn-1", Kind: chatbot.TurnMessage, Bot: "dialogflow", Workspace: "acme", Conversation: "c1", Channel: "telegram",
		Contact: chatbot.Contact{ID: "k1", Language: "es-MX"},
	}
	for _, text := range []string{"I want a human", "thanks"} {
		turn.Messages = []chatbot.Inbound{{ID: "m", Text: text}}
		r, err := bot.Turn(context.Background(), turn)
		if err != nil {
			panic(err)
		}
		turn.State = r.State
		fmt.Println("say:", r.Messages[0].Text)
		for _, a := range r.Actions {
			fmt.Printf("do: %s %+v\n", a.Kind(), a)
		}
	}
	fmt.Println("language sent:", srv.Requests()[0].LanguageCode)
	// Output:
	// say: Connecting you with a person.
	// do: hand_off {Team:support Note:asked for a person}
	// say: Glad to help!
	// do: close {Note:{Category: Summary:Ended by the Dialogflow agent (End Session).}}
	// language sent: es
}
