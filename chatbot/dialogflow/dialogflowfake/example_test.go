package dialogflowfake_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/dialogflow"
	"github.com/telenet/contactcenter/chatbot/dialogflow/dialogflowfake"
	"github.com/telenet/contactcenter/chatbot/dialogflow/es"
)

// A host's test of its Dialogflow bot: script an intent, make the API
// fail once, and check what the client sent.
func Example() {
	srv := dialogflowfake.NewServer()
	defer srv.Close()
	srv.RequireToken("secret")
	srv.Add(dialogflowfake.Intent{Name: "welcome", Events: []string{"WELCOME"}, Texts: []string{"Hi! How can I help?"}})
	bot := &es.Client{Project: "p", Endpoint: srv.URL(), Token: dialogflow.StaticToken("secret")}
	turn := chatbot.Turn{
		ID: "t1", Kind: chatbot.TurnOpened, Bot: "df", Workspace: "ws", Conversation: "c1", Channel: "tg",
		Contact: chatbot.Contact{ID: "k1", Language: "en"}, Messages: []chatbot.Inbound{{ID: "m1"}},
	}

	srv.FailNext(503, "UNAVAILABLE", "The service is currently unavailable.")
	_, err := bot.Turn(context.Background(), turn)
	var apiErr *dialogflow.APIError
	fmt.Println(errors.As(err, &apiErr), apiErr.Temporary(), err)

	r, _ := bot.Turn(context.Background(), turn) // the engine's retry
	fmt.Println(r.Messages[0].Text)
	for _, q := range srv.Requests() {
		fmt.Println(q.API, q.Event, q.LanguageCode, q.Token)
	}
	// Output:
	// true true dialogflow: HTTP 503 UNAVAILABLE: The service is currently unavailable.
	// Hi! How can I help?
	// es WELCOME en secret
	// es WELCOME en secret
}
