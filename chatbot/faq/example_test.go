package faq_test

import (
	"context"
	"fmt"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/faq"
)

// An FAQ file in JSON, its bot, and three turns: a Spanish question is
// answered, an English one too, and a request for a person hands off.
func Example() {
	bot, err := faq.Parse([]byte(`{
	  "min_score": 0.5,
	  "languages": {"es": {"hand_off_message": "Te paso con una persona."}},
	  "entries": [
	    {"language": "es", "questions": ["¿Cuál es el horario de atención?"], "answer": "De 9 a 18 h."},
	    {"language": "es", "questions": ["¿Cuánto cuesta el envío?"], "answer": "El envío cuesta 4,90 €."},
	    {"language": "en", "questions": ["What are your opening hours?"], "answer": "From 9 am to 6 pm."},
	    {"language": "en", "questions": ["How much is shipping?"], "answer": "Shipping costs €4.90."}
	  ]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ask := func(lang, text string) {
		r, err := bot.Turn(context.Background(), chatbot.Turn{
			ID: "turn-1", Kind: chatbot.TurnMessage, Bot: "faq", Workspace: "acme", Conversation: "c1", Channel: "telegram",
			Contact:  chatbot.Contact{ID: "k1", Language: lang},
			Messages: []chatbot.Inbound{{ID: "m1", Text: text}},
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, m := range r.Messages {
			fmt.Println(m.Text)
		}
		for _, a := range r.Actions {
			fmt.Printf("%s: %s\n", a.Kind(), a.(chatbot.HandOff).Note)
		}
	}
	ask("es-MX", "¿CUÁNTO CUESTA EL ENVIO?")
	ask("en", "what are the opening hours")
	ask("es", "quiero hablar con un humano")
	// Output:
	// El envío cuesta 4,90 €.
	// From 9 am to 6 pm.
	// Te paso con una persona.
	// hand_off: FAQ bot: the contact asked for a person: "quiero hablar con un humano"
}
