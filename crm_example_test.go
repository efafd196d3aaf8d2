package contactcenter_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/template"
)

// A host sets a contact's custom field through the engine, and templates
// read it as {{contact.fields.<key>}}; a key that is not a template
// variable's is refused (R19). An agent tags the contact's ticket.
func ExampleEngine_SetContactField() {
	eng, _ := newExampleEngine()
	ctx := context.Background()
	r := write(eng, "update-1", "¿Cuál es mi plan?")

	c, err := eng.SetContactField(ctx, contactcenter.ContactFieldChange{
		Workspace: "acme", Contact: r.Contact.ID, Key: "plan", Value: "oro", By: conversation.Host(),
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("fields: %v, version %d\n", c.Fields, c.Version)

	tpl, err := template.New("plan", template.Variant{Language: "es", Text: `Tu plan: {{contact.fields.plan | "ninguno"}}`})
	if err != nil {
		panic(err)
	}
	text, err := eng.Render(ctx, "acme", r.Conversation.ID, tpl)
	if err != nil {
		panic(err)
	}
	fmt.Println(text)

	_, err = eng.SetContactField(ctx, contactcenter.ContactFieldChange{
		Workspace: "acme", Contact: r.Contact.ID, Key: "Plan Tier", Value: "oro", By: conversation.Host(),
	})
	fmt.Println("bad key is invalid:", errors.Is(err, contactcenter.ErrInvalid))

	tk, err := eng.TagTicket(ctx, contactcenter.Tagging{Workspace: "acme", Ticket: r.Conversation.Ticket, Tag: "vip", By: conversation.AsAgent("ana")})
	if err != nil {
		panic(err)
	}
	fmt.Println("tags:", tk.Tags)
	// Output:
	// fields: map[plan:oro], version 2
	// Tu plan: oro
	// bad key is invalid: true
	// tags: [vip]
}
