package chatbot_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/telenet/contactcenter/chatbot"
)

// A bot is anything with a Turn method; chatbot.Func makes one of a
// function. This one greets, counts the contact's messages in its state,
// and hands off to the billing team when asked about an invoice. The
// engine validates the reply and applies what passes with actor "bot".
func Example() {
	bot := chatbot.Func(func(_ context.Context, t chatbot.Turn) (chatbot.Reply, error) {
		seen := len(t.State) // one byte per message: the bot's own state
		state := append(chatbot.State{}, t.State...)
		for range t.Messages {
			state = append(state, '.')
		}
		if strings.Contains(strings.ToLower(t.Text()), "invoice") {
			return chatbot.Reply{
				Messages: []chatbot.Message{{Text: "A person from billing will answer you."}},
				Actions: []chatbot.Action{
					chatbot.Tag{Tag: "billing"},
					chatbot.HandOff{Team: "billing", Note: "asks about an invoice"},
					chatbot.SetField{Key: "Last Topic", Value: "invoice"}, // refused: not a field key
				},
				State: state,
			}, nil
		}
		return chatbot.Reply{Messages: []chatbot.Message{{Text: fmt.Sprintf("Hello %s (%d earlier messages)", t.Contact.Name, seen)}}, State: state}, nil
	})

	turn := chatbot.Turn{
		ID: "turn-1", Kind: chatbot.TurnOpened, Bot: "example", Workspace: "acme", Conversation: "c1", Channel: "telegram",
		Contact:  chatbot.Contact{ID: "k1", Name: "Ana", Language: "en"},
		Messages: []chatbot.Inbound{{ID: "m1", Text: "hi"}},
	}
	if err := turn.Validate(); err != nil {
		panic(err)
	}
	r, _ := bot.Turn(context.Background(), turn)
	fmt.Println(r.Messages[0].Text)

	turn = chatbot.Turn{ID: "turn-2", Kind: chatbot.TurnMessage, Bot: turn.Bot, Workspace: turn.Workspace, Conversation: turn.Conversation, Channel: turn.Channel,
		Contact: turn.Contact, Messages: []chatbot.Inbound{{ID: "m2", Text: "My invoice is wrong"}}, State: r.State}
	r, _ = bot.Turn(context.Background(), turn)
	checked, err := r.Validate()
	if err != nil {
		panic(err)
	}
	fmt.Println(checked.Messages[0].Text)
	for _, a := range checked.Actions {
		fmt.Println("apply:", a.Kind())
	}
	for _, e := range checked.Refused {
		fmt.Println("refused:", e.Kind)
	}
	fmt.Println("hold ends with:", checked.EndsHold.Kind())
	// Output:
	// Hello Ana (0 earlier messages)
	// A person from billing will answer you.
	// apply: tag
	// apply: hand_off
	// refused: set_field
	// hold ends with: hand_off
}
