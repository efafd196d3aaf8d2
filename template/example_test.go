package template_test

import (
	"fmt"

	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

// A template with an English and a Spanish variant, rendered for two
// contacts: the variant follows the contact's language, and a missing
// first name falls back.
func ExampleTemplate_Render() {
	welcome, err := template.New("welcome",
		template.Variant{Language: "en", Text: `Hi {{contact.first_name | "there"}}, your ticket is #{{ticket.number}}.`},
		template.Variant{Language: "es", Text: `Hola {{contact.first_name | "de nuevo"}}, tu ticket es el #{{ticket.number}}.`},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	tk := ticket.Ticket{Number: 1432}
	lucia := ticket.Contact{Name: "Lucía Fernández", Language: "es-MX"}
	anon := ticket.Contact{Language: "en-GB"}
	fmt.Println(welcome.Render(lucia.Language, template.Data{Contact: &lucia, Ticket: &tk}))
	fmt.Println(welcome.Render(anon.Language, template.Data{Contact: &anon, Ticket: &tk}))
	// Output:
	// Hola Lucía, tu ticket es el #1432.
	// Hi there, your ticket is #1432.
}

// A mistake shows when the template is saved, with its position.
func ExampleNew_error() {
	_, err := template.New("welcome", template.Variant{Language: "es", Text: "Hola {{contacto.nombre}}"})
	fmt.Println(err)
	// Output:
	// template "welcome" (es): 1:8: unknown variable "contacto.nombre"
}

// Agents find snippets by the start of their shortcut (R14).
func ExampleSnippets_Find() {
	var snippets template.Snippets
	for shortcut, text := range map[string]string{
		"refund":     "Your refund for #{{ticket.number}} is on its way.",
		"ref-policy": "Refunds are accepted within 30 days.",
		"hello":      `Hello {{contact.first_name | "there"}}!`,
	} {
		tpl, _ := template.New(shortcut, template.Variant{Language: "en", Text: text})
		_ = snippets.Put(template.Snippet{Shortcut: shortcut, Template: tpl})
	}
	tk := ticket.Ticket{Number: 7}
	for _, s := range snippets.Find("/ref", 0) {
		fmt.Printf("/%s: %s\n", s.Shortcut, s.Template.Render("en", template.Data{Ticket: &tk}))
	}
	// Output:
	// /ref-policy: Refunds are accepted within 30 days.
	// /refund: Your refund for #7 is on its way.
}
