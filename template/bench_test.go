package template_test

import (
	"testing"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

// BenchmarkRender renders a typical automatic message (R4, R5): two
// variants, a contact's first name with a fallback, the ticket number and
// the agent's name, for a contact whose language matches the second
// variant.
//
//	go test -run '^$' -bench Render -benchmem ./template
func BenchmarkRender(b *testing.B) {
	tpl, err := template.New("welcome",
		template.Variant{Language: "en", Text: `Hi {{contact.first_name | "there"}}! Your ticket is #{{ticket.number}}; {{agent.first_name | "an agent"}} will answer shortly.`},
		template.Variant{Language: "es", Text: `¡Hola {{contact.first_name | "de nuevo"}}! Tu ticket es el #{{ticket.number}}; {{agent.first_name | "un agente"}} te responderá en breve.`},
	)
	if err != nil {
		b.Fatal(err)
	}
	c := ticket.Contact{Name: "Lucía Fernández", Language: "es-MX"}
	tk := ticket.Ticket{Number: 1432}
	a := conversation.Agent{Name: "Ana Pérez"}
	d := template.Data{Contact: &c, Ticket: &tk, Agent: &a}
	want := "¡Hola Lucía! Tu ticket es el #1432; Ana te responderá en breve."
	b.ReportAllocs()
	for b.Loop() {
		if got := tpl.Render(c.Language, d); got != want {
			b.Fatal(got)
		}
	}
}
