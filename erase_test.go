package contactcenter_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

// An erasure empties the contact's name, fields and every text of its
// conversations, keeps numbers, counts and states, fails the message still
// pending to it, and publishes contact.erased without the data; the same
// person writing again is a new contact; erasing again is no error.
func TestEraseContact(t *testing.T) {
	f, r := crmFixture(t)
	cID, cvID, tkID := r.Contact.ID, r.Conversation.ID, r.Conversation.Ticket
	_, err := f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: cID, Key: "plan", Value: "platino", By: conversation.Host()})
	require.NoError(t, err)
	f.write(t, "c1", "u2", "mi pasaporte es X998877")
	f.tr.Fail(channel.ErrUnavailable)
	reply := f.reply(t, cvID, "ana", "Gracias, Contact c1")
	require.Equal(t, conversation.DeliveryPending, reply.Delivery)
	before, err := f.eng.Messages(bg, ws, cvID)
	require.NoError(t, err)
	tk0 := f.ticket(t, tkID)
	f.rec.take()

	require.NoError(t, f.eng.EraseContact(bg, contactcenter.ContactErasure{Workspace: ws, Contact: cID, By: conversation.Host()}))
	e := oneEvent(t, f, conversation.EventContactErased, conversation.Host(), "erase contact")
	assert.Equal(t, cID, e.Contact)
	for _, s := range []string{"c1", "hola", "pasaporte", "platino"} {
		assert.NotContains(t, fmt.Sprintf("%+v", e), s, "the event carries no personal data")
	}

	c := f.contact(t, cID)
	assert.Empty(t, c.Name)
	assert.Empty(t, c.Fields)
	tk := f.ticket(t, tkID)
	assert.Empty(t, tk.Subject)
	assert.Equal(t, tk0.Number, tk.Number)
	assert.Equal(t, tk0.Status, tk.Status)
	cv := f.conversation(t, cvID)
	assert.Empty(t, cv.ContactExternalID)
	assert.Equal(t, conversation.Open, cv.State, "the state stays")
	after, err := f.eng.Messages(bg, ws, cvID)
	require.NoError(t, err)
	require.Len(t, after, len(before), "the count of messages stays")
	for i, m := range after {
		assert.Equal(t, before[i].ID, m.ID)
		assert.Equal(t, before[i].CreatedAt, m.CreatedAt)
		assert.Empty(t, m.Text)
		assert.Empty(t, m.ExternalID)
	}
	m, err := f.eng.Message(bg, ws, reply.ID)
	require.NoError(t, err)
	assert.Equal(t, conversation.DeliveryFailed, m.Delivery, "a pending message to an erased contact is failed")
	assert.Equal(t, store.ErasedFailure, m.Failure)
	// Erasing again is no error and is recorded again.
	require.NoError(t, f.eng.EraseContact(bg, contactcenter.ContactErasure{Workspace: ws, Contact: cID, By: conversation.System()}))
	oneEvent(t, f, conversation.EventContactErased, conversation.System(), "erase contact")
	assert.Equal(t, c.Version, f.contact(t, cID).Version-1)

	f.clock.Advance(time.Minute)
	n, err := f.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Empty(t, f.tr.Sent(), "nothing is sent to the erased chat")

	// A reply to the conversation that stays open has nowhere to go: it
	// fails, with message.failed.
	late := f.reply(t, cvID, "ana", "¿Sigue ahí?")
	assert.Equal(t, conversation.DeliveryFailed, late.Delivery)
	assert.Equal(t, store.ErasedFailure, late.Failure)
	assert.Empty(t, f.tr.Sent())
	assert.Contains(t, types(f.rec.take()), conversation.EventMessageFailed)

	// The same person writing again is a stranger, with a ticket of its own.
	again := f.write(t, "c1", "u1", "hola de nuevo")
	assert.NotEqual(t, cID, again.Contact.ID)
	assert.True(t, again.Opened)
	assert.False(t, again.Duplicate, "the erased message's channel id is gone too")
	assert.Equal(t, tk0.Number+1, again.Conversation.TicketNumber)
	assert.Equal(t, "Contact c1", again.Contact.Name)
}

// R19: a refused erasure is a typed error and erases nothing.
func TestEraseContactRefused(t *testing.T) {
	f, r := crmFixture(t)
	cID := r.Contact.ID
	c0 := f.contact(t, cID)
	msgs0, err := f.eng.Messages(bg, ws, r.Conversation.ID)
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		req     contactcenter.ContactErasure
		code    contactcenter.Code
		wrapped error
	}{
		{"unknown contact", contactcenter.ContactErasure{Workspace: ws, Contact: "nobody", By: conversation.Host()}, contactcenter.CodeNotFound, ticket.ErrContactNotFound},
		{"other workspace", contactcenter.ContactErasure{Workspace: "other", Contact: cID, By: conversation.Host()}, contactcenter.CodeNotFound, ticket.ErrContactNotFound},
		{"no actor", contactcenter.ContactErasure{Workspace: ws, Contact: cID}, contactcenter.CodeInvalid, conversation.ErrInvalid},
		{"agent", contactcenter.ContactErasure{Workspace: ws, Contact: cID, By: conversation.AsAgent("sol")}, contactcenter.CodeForbidden, conversation.ErrForbidden},
		{"contact", contactcenter.ContactErasure{Workspace: ws, Contact: cID, By: conversation.AsContact(cID)}, contactcenter.CodeForbidden, conversation.ErrForbidden},
		{"bot", contactcenter.ContactErasure{Workspace: ws, Contact: cID, By: conversation.AsBot("triage")}, contactcenter.CodeForbidden, conversation.ErrForbidden},
		{"workflow", contactcenter.ContactErasure{Workspace: ws, Contact: cID, By: conversation.AsWorkflow("gdpr")}, contactcenter.CodeForbidden, conversation.ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.eng.EraseContact(bg, tc.req)
			require.Error(t, err)
			assert.Equal(t, tc.code, contactcenter.ErrorCode(err))
			assert.True(t, errors.Is(err, tc.wrapped), "%v", err)
			var ce *contactcenter.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "erase contact", ce.Op)
		})
	}
	assert.Equal(t, c0, f.contact(t, cID), "the contact is unchanged")
	msgs, err := f.eng.Messages(bg, ws, r.Conversation.ID)
	require.NoError(t, err)
	assert.Equal(t, msgs0, msgs)
	assert.Empty(t, f.rec.take(), "nothing is published")
}

// A store that fails the erasure's commit leaves everything as it was,
// and publishes nothing (R19).
func TestEraseContactStoreFails(t *testing.T) {
	fs := &faultyStore{Store: memory.New()}
	f := newFixtureOn(t, fs, fullCaps)
	r := f.write(t, "c1", "u1", "hola")
	f.rec.take()
	c0 := f.contact(t, r.Contact.ID)
	msgs0, err := f.eng.Messages(bg, ws, r.Conversation.ID)
	require.NoError(t, err)

	fs.failNext(errors.New("disk full"))
	err = f.eng.EraseContact(bg, contactcenter.ContactErasure{Workspace: ws, Contact: r.Contact.ID, By: conversation.Host()})
	assert.Equal(t, contactcenter.CodeUnavailable, contactcenter.ErrorCode(err))
	assert.Equal(t, c0, f.contact(t, r.Contact.ID))
	msgs, err := f.eng.Messages(bg, ws, r.Conversation.ID)
	require.NoError(t, err)
	assert.Equal(t, msgs0, msgs)
	assert.Empty(t, f.rec.take())
	again := f.write(t, "c1", "u1", "hola")
	assert.True(t, again.Duplicate, "the identity and the message's channel id stay")
	assert.Equal(t, r.Contact.ID, again.Contact.ID)
}
