package contactcenter_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// A merge keeps every ticket and conversation of both contacts, with one
// contact.merged event; the merged contact's identities lead to the one
// that remains, and /tickets lists every ticket (R6.3).
func TestMergeContactsKeepsEveryTicket(t *testing.T) {
	f, web := linkFixture(t)
	a := f.sayOn(t, "tg", "u-tg", "1", "late order")
	f.sayOn(t, "tg", "u-tg", "2", "/new second")
	b := f.sayOn(t, "web", "w", "1", "invoice") // another contact, ticket #3
	require.NotEqual(t, a.Contact.ID, b.Contact.ID)
	f.rec.take()
	into := f.contact(t, a.Contact.ID)

	got, err := f.eng.MergeContacts(bg, contactcenter.ContactMerge{Workspace: ws, Into: into.ID, From: b.Contact.ID, By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.Equal(t, into.Version+1, got.Version)
	assert.Equal(t, into.Name, got.Name, "into keeps its name")
	assert.Equal(t, got, f.contact(t, into.ID))
	e := oneEvent(t, f, conversation.EventContactMerged, conversation.AsAgent("ana"), "merge contacts")
	assert.Equal(t, into.ID, e.Contact)
	assert.Equal(t, string(b.Contact.ID), e.Detail)

	_, err = f.eng.Contact(bg, ws, b.Contact.ID)
	assert.Equal(t, contactcenter.CodeNotFound, contactcenter.ErrorCode(err), "the merged contact is gone")
	open, err := f.eng.OpenTickets(bg, ws, into.ID)
	require.NoError(t, err)
	var numbers []ticket.Number
	for _, tk := range open {
		numbers = append(numbers, tk.Number)
		assert.Equal(t, into.ID, tk.Contact)
	}
	assert.Equal(t, []ticket.Number{1, 2, 3}, numbers, "every ticket kept")
	cv := f.conversation(t, b.Conversation.ID)
	assert.Equal(t, into.ID, cv.Contact)
	assert.Equal(t, conversation.Open, cv.State, "open conversations stay open")

	r := f.sayOn(t, "web", "w", "2", "/tickets")
	assert.Equal(t, into.ID, r.Contact.ID, "the web identity leads to the contact that remains")
	assert.Equal(t, b.Conversation.ID, r.Conversation.ID, "and to its open conversation there")
	assert.Equal(t, "Current ticket:\n#3\n\nYour 2 other open tickets:\n#1\n#2\n\nSend /ticket and a number to change tickets, or /new to open a new one.", lastText(t, web))
}

// R19: a merge that cannot be made is a typed error and changes nothing;
// two open conversations on one channel are refused, not retried.
func TestMergeContactsErrors(t *testing.T) {
	f, _ := linkFixture(t)
	a := f.sayOn(t, "tg", "u-a", "1", "hi")
	b := f.sayOn(t, "tg", "u-b", "2", "hi")
	f.rec.take()
	ca, cb := f.contact(t, a.Contact.ID), f.contact(t, b.Contact.ID)
	require.NotEqual(t, ca.ID, cb.ID)
	ok := contactcenter.ContactMerge{Workspace: ws, Into: ca.ID, From: cb.ID, By: conversation.Host()}
	with := func(fn func(*contactcenter.ContactMerge)) contactcenter.ContactMerge { m := ok; fn(&m); return m }
	for name, tc := range map[string]struct {
		m    contactcenter.ContactMerge
		code contactcenter.Code
		is   error
	}{
		"both open on tg":  {ok, contactcenter.CodeConflict, conversation.ErrOpenOnBoth},
		"into itself":      {with(func(m *contactcenter.ContactMerge) { m.From = ca.ID }), contactcenter.CodeInvalid, conversation.ErrInvalid},
		"unknown from":     {with(func(m *contactcenter.ContactMerge) { m.From = "nobody" }), contactcenter.CodeNotFound, ticket.ErrContactNotFound},
		"unknown into":     {with(func(m *contactcenter.ContactMerge) { m.Into = "nobody" }), contactcenter.CodeNotFound, ticket.ErrContactNotFound},
		"other workspace":  {with(func(m *contactcenter.ContactMerge) { m.Workspace = "other" }), contactcenter.CodeNotFound, ticket.ErrContactNotFound},
		"no actor":         {with(func(m *contactcenter.ContactMerge) { m.By = conversation.Actor{} }), contactcenter.CodeInvalid, nil},
		"by a contact":     {with(func(m *contactcenter.ContactMerge) { m.By = conversation.AsContact(ca.ID) }), contactcenter.CodeForbidden, conversation.ErrForbidden},
		"by unknown agent": {with(func(m *contactcenter.ContactMerge) { m.By = conversation.AsAgent("ghost") }), contactcenter.CodeNotFound, nil},
	} {
		_, err := f.eng.MergeContacts(bg, tc.m)
		require.Error(t, err, name)
		assert.Equal(t, tc.code, contactcenter.ErrorCode(err), "%s: %v", name, err)
		if tc.is != nil {
			assert.ErrorIs(t, err, tc.is, name)
		}
	}
	assert.Equal(t, ca, f.contact(t, ca.ID), "unchanged")
	assert.Equal(t, cb, f.contact(t, cb.ID), "unchanged")
	assert.Equal(t, cb.ID, f.conversation(t, b.Conversation.ID).Contact)
	assert.Empty(t, f.rec.take(), "nothing published")

	// Once one of the two conversations is closed, the merge goes through.
	_, err := f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: b.Conversation.ID, By: conversation.Host()})
	require.NoError(t, err)
	_, err = f.eng.MergeContacts(bg, ok)
	require.NoError(t, err)
	r := f.sayOn(t, "tg", "u-b", "3", "again")
	assert.Equal(t, ca.ID, r.Contact.ID)
	assert.Equal(t, a.Conversation.ID, r.Conversation.ID, "joins the open conversation on tg (R9)")
}
