package contactcenter_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// An agent's UI searches the workspace's contacts: by name, whatever the
// case and the accents, from the start of any word, ordered by the name
// from the word found ("jose munoz" before "jose perez"); by the id a
// channel knows a contact by; by a custom field's value. Pages follow one
// another by cursor. A query that sets no kind of search is invalid
// (R19).
func ExampleEngine_SearchContacts() {
	eng, _ := newExampleEngine()
	ctx := context.Background()
	for i, name := range []string{"José Muñoz", "MARÍA JOSÉ Pérez", "Joaquín Sorolla"} {
		r, err := eng.Receive(ctx, contactcenter.Inbound{
			Workspace: "acme", Channel: "tg", ExternalID: fmt.Sprint("update-", i),
			From: contactcenter.Sender{ExternalID: fmt.Sprint("chat-", 100+i), Name: name, Language: "es"}, Text: "Hola",
		})
		if err != nil {
			panic(err)
		}
		if i == 0 {
			_, err = eng.SetContactField(ctx, contactcenter.ContactFieldChange{
				Workspace: "acme", Contact: r.Contact.ID, Key: "customer_no", Value: "C-7731", By: conversation.Host(),
			})
			if err != nil {
				panic(err)
			}
		}
	}
	names := func(cs []ticket.Contact) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}

	page, next, err := eng.SearchContacts(ctx, "acme", store.ContactQuery{Name: "jose", Limit: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println("jose, first page:", names(page))
	page, next, _ = eng.SearchContacts(ctx, "acme", store.ContactQuery{Name: "jose", Limit: 1, After: next})
	fmt.Println("jose, next page:", names(page), "last:", next == "")

	page, _, _ = eng.SearchContacts(ctx, "acme", store.ContactQuery{Name: "MUNOZ"})
	fmt.Println("MUNOZ:", names(page))
	page, _, _ = eng.SearchContacts(ctx, "acme", store.ContactQuery{Name: "jo"})
	fmt.Println("jo:", names(page))
	page, _, _ = eng.SearchContacts(ctx, "acme", store.ContactQuery{ExternalID: "chat-102", Channel: "tg"})
	fmt.Println("chat-102 on tg:", names(page))
	page, _, _ = eng.SearchContacts(ctx, "acme", store.ContactQuery{FieldKey: "customer_no", FieldValue: "C-7731"})
	fmt.Println("customer C-7731:", names(page))

	_, _, err = eng.SearchContacts(ctx, "acme", store.ContactQuery{})
	fmt.Println("empty query is invalid:", errors.Is(err, contactcenter.ErrInvalid))
	// Output:
	// jose, first page: [José Muñoz]
	// jose, next page: [MARÍA JOSÉ Pérez] last: true
	// MUNOZ: [José Muñoz]
	// jo: [Joaquín Sorolla José Muñoz MARÍA JOSÉ Pérez]
	// chat-102 on tg: [Joaquín Sorolla]
	// customer C-7731: [José Muñoz]
	// empty query is invalid: true
}
