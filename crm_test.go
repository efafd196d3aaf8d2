package contactcenter_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

// crmFixture is a fixture where contact c1 wrote once: its conversation
// waits on ticket #1.
func crmFixture(t *testing.T) (*fixture, contactcenter.Received) {
	t.Helper()
	f := newFixture(t)
	r := f.write(t, "c1", "u1", "hola")
	f.rec.take()
	return f, r
}

func (f *fixture) ticket(t *testing.T, id ticket.ID) ticket.Ticket {
	t.Helper()
	tk, err := f.eng.Ticket(bg, ws, id)
	require.NoError(t, err)
	return tk
}

func (f *fixture) contact(t *testing.T, id ticket.ContactID) ticket.Contact {
	t.Helper()
	c, err := f.eng.Contact(bg, ws, id)
	require.NoError(t, err)
	return c
}

// oneEvent asserts that exactly one event of type typ was published, made
// by actor by as command op, and returns it.
func oneEvent(t *testing.T, f *fixture, typ conversation.EventType, by conversation.Actor, op string) conversation.Event {
	t.Helper()
	evs := f.rec.take()
	require.Equal(t, []conversation.EventType{typ}, types(evs))
	e := evs[0]
	assert.Equal(t, ws, e.Workspace)
	assert.Equal(t, t0, e.At)
	assert.Equal(t, conversation.Actor{Kind: by.Kind, ID: by.ID}, e.Actor)
	assert.Equal(t, conversation.CauseCommand, e.Cause.Kind)
	assert.Equal(t, op, e.Cause.Name)
	assert.NotEmpty(t, e.Cause.ID)
	return e
}

// R17: tagging and untagging a ticket publish an event with the tag, the
// actor and the cause; the ticket's version rises by one with each.
func TestTagTicket(t *testing.T) {
	f, r := crmFixture(t)
	tk0 := f.ticket(t, r.Conversation.Ticket)

	tk, err := f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tk0.ID, Tag: "  vip ", By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.Equal(t, []string{"vip"}, tk.Tags)
	assert.Equal(t, tk0.Version+1, tk.Version)
	assert.Equal(t, tk, f.ticket(t, tk0.ID), "returned as stored")
	e := oneEvent(t, f, conversation.EventTicketTagged, conversation.AsAgent("ana"), "tag ticket")
	assert.Equal(t, "vip", e.Detail)
	assert.Equal(t, tk0.ID, e.Ticket)
	assert.Equal(t, tk0.Number, e.TicketNumber)
	assert.Equal(t, r.Conversation.ID, e.Conversation, "the ticket's open conversation")
	assert.Equal(t, r.Contact.ID, e.Contact)
	assert.Equal(t, conversation.AgentID("ana"), e.Agent)

	// A tag the ticket has: nothing stored, nothing published.
	again, err := f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tk0.ID, Tag: "vip", By: conversation.AsBot("triage")})
	require.NoError(t, err)
	assert.Equal(t, tk, again)
	assert.Equal(t, tk, f.ticket(t, tk0.ID))
	assert.Empty(t, f.rec.take())

	// Automations and the host tag too; tags are kept sorted.
	_, err = f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tk0.ID, Tag: "billing", By: conversation.AsWorkflow("run-1")})
	require.NoError(t, err)
	oneEvent(t, f, conversation.EventTicketTagged, conversation.AsWorkflow("run-1"), "tag ticket")
	assert.Equal(t, []string{"billing", "vip"}, f.ticket(t, tk0.ID).Tags)

	tk, err = f.eng.UntagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tk0.ID, Tag: "vip", By: conversation.Host()})
	require.NoError(t, err)
	assert.Equal(t, []string{"billing"}, tk.Tags)
	assert.Equal(t, tk0.Version+3, tk.Version)
	e = oneEvent(t, f, conversation.EventTicketUntagged, conversation.Host(), "untag ticket")
	assert.Equal(t, "vip", e.Detail)
	assert.Equal(t, tk0.ID, e.Ticket)

	// Removing a tag the ticket does not have: a no-op.
	again, err = f.eng.UntagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tk0.ID, Tag: "vip", By: conversation.Host()})
	require.NoError(t, err)
	assert.Equal(t, tk, again)
	assert.Empty(t, f.rec.take())

	// A closed ticket may be tagged; its event names no conversation.
	_, err = f.eng.CloseTicket(bg, contactcenter.TicketClosing{Workspace: ws, Ticket: tk0.ID, By: conversation.Host()})
	require.NoError(t, err)
	f.rec.take()
	_, err = f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tk0.ID, Tag: "refunded", By: conversation.AsAgent("sol")})
	require.NoError(t, err)
	e = oneEvent(t, f, conversation.EventTicketTagged, conversation.AsAgent("sol"), "tag ticket")
	assert.Empty(t, e.Conversation)
}

// R17, R14: a field set through the engine is stored with the contact's
// version raised by one, published, and rendered by {{contact.fields.…}}.
func TestSetContactField(t *testing.T) {
	f, r := crmFixture(t)
	c0 := f.contact(t, r.Contact.ID)
	tpl := mustTemplate(t, "plan", template.Variant{Language: "es", Text: `Plan: {{contact.fields.plan | "ninguno"}}`})
	render := func() string {
		t.Helper()
		out, err := f.eng.Render(bg, ws, r.Conversation.ID, tpl)
		require.NoError(t, err)
		return out
	}
	assert.Equal(t, "Plan: ninguno", render())

	c, err := f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: c0.ID, Key: "plan", Value: "oro", By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"plan": "oro"}, c.Fields)
	assert.Equal(t, c0.Version+1, c.Version, "the write raises the version once")
	assert.Equal(t, c, f.contact(t, c0.ID), "returned as stored")
	e := oneEvent(t, f, conversation.EventContactFieldSet, conversation.AsAgent("ana"), "set contact field")
	assert.Equal(t, c0.ID, e.Contact)
	assert.Equal(t, "plan", e.Detail)
	assert.Equal(t, conversation.AgentID("ana"), e.Agent)
	assert.Empty(t, e.Conversation)
	assert.Equal(t, "Plan: oro", render())

	// The same value: nothing stored, nothing published.
	again, err := f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: c0.ID, Key: "plan", Value: "oro", By: conversation.Host()})
	require.NoError(t, err)
	assert.Equal(t, c, again)
	assert.Equal(t, c, f.contact(t, c0.ID))
	assert.Empty(t, f.rec.take())

	c, err = f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: c0.ID, Key: "plan", Value: "platino", By: conversation.AsBot("onboarding")})
	require.NoError(t, err)
	assert.Equal(t, c0.Version+2, c.Version)
	oneEvent(t, f, conversation.EventContactFieldSet, conversation.AsBot("onboarding"), "set contact field")
	assert.Equal(t, "Plan: platino", render())

	c, err = f.eng.UnsetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: c0.ID, Key: "plan", By: conversation.Host()})
	require.NoError(t, err)
	assert.Empty(t, c.Fields)
	assert.Equal(t, c0.Version+3, c.Version)
	e = oneEvent(t, f, conversation.EventContactFieldUnset, conversation.Host(), "unset contact field")
	assert.Equal(t, c0.ID, e.Contact)
	assert.Equal(t, "plan", e.Detail)
	assert.Equal(t, "Plan: ninguno", render())

	again, err = f.eng.UnsetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: c0.ID, Key: "plan", By: conversation.Host()})
	require.NoError(t, err)
	assert.Equal(t, c, again)
	assert.Empty(t, f.rec.take(), "removing an absent field is a no-op")
}

// R5, R14: the new-conversation template renders a field set through the
// engine.
func TestWelcomeRendersFieldSetThroughEngine(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "welcome",
		template.Variant{Language: "es", Text: `Hola, cliente {{contact.fields.plan | "sin plan"}}.`}), By: conversation.Host()}))
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Welcome: "welcome"}}, Transport: f.tr, By: conversation.Host()}))
	r := f.write(t, "c1", "u1", "hola")
	require.Len(t, r.Automatic, 1)
	assert.Equal(t, "Hola, cliente sin plan.", r.Automatic[0].Text)

	_, err := f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: r.Contact.ID, Key: "plan", Value: "oro", By: conversation.Host()})
	require.NoError(t, err)
	_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: r.Conversation.ID, By: conversation.Host()})
	require.NoError(t, err)
	r = f.write(t, "c1", "u2", "otra vez")
	require.True(t, r.Opened)
	require.Len(t, r.Automatic, 1)
	assert.Equal(t, "Hola, cliente oro.", r.Automatic[0].Text)
	assert.Equal(t, "oro", r.Contact.Fields["plan"], "the contact's message keeps the field")
}

func TestRenameContact(t *testing.T) {
	f, r := crmFixture(t)
	c0 := f.contact(t, r.Contact.ID)

	c, err := f.eng.RenameContact(bg, contactcenter.ContactRenaming{Workspace: ws, Contact: c0.ID, Name: "  Ana   Pérez ", By: conversation.AsAgent("bruno")})
	require.NoError(t, err)
	assert.Equal(t, "Ana Pérez", c.Name)
	assert.Equal(t, c0.Version+1, c.Version)
	assert.Equal(t, c, f.contact(t, c0.ID))
	e := oneEvent(t, f, conversation.EventContactRenamed, conversation.AsAgent("bruno"), "rename contact")
	assert.Equal(t, c0.ID, e.Contact)
	assert.NotContains(t, fmt.Sprint(e), "Pérez", "the name is read from the contact, not kept in the event")

	again, err := f.eng.RenameContact(bg, contactcenter.ContactRenaming{Workspace: ws, Contact: c0.ID, Name: "Ana Pérez", By: conversation.Host()})
	require.NoError(t, err)
	assert.Equal(t, c, again)
	assert.Empty(t, f.rec.take(), "the same name is a no-op")
}

// R11, R17: SetPriority publishes its event with the actor; a contact may
// not set it.
func TestSetPriorityActor(t *testing.T) {
	f, r := crmFixture(t)
	tk, err := f.eng.SetPriority(bg, contactcenter.Prioritizing{Workspace: ws, Ticket: r.Conversation.Ticket, Priority: ticket.PriorityHigh, By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.Equal(t, ticket.PriorityHigh, tk.Priority)
	e := oneEvent(t, f, conversation.EventTicketPriority, conversation.AsAgent("ana"), "set priority")
	assert.Equal(t, r.Conversation.ID, e.Conversation)
	assert.Equal(t, conversation.AgentID("ana"), e.Agent)
	assert.Equal(t, ticket.PriorityHigh, f.conversation(t, r.Conversation.ID).Priority)

	_, err = f.eng.SetPriority(bg, contactcenter.Prioritizing{Workspace: ws, Ticket: r.Conversation.Ticket, Priority: ticket.PriorityHigh, By: conversation.Host()})
	require.NoError(t, err)
	assert.Empty(t, f.rec.take(), "the same priority is a no-op")
}

// R19: every refused change is a typed error and leaves the ticket, the
// contact and the event stream as they were.
func TestCRMRefused(t *testing.T) {
	f, r := crmFixture(t)
	tkID, cID := r.Conversation.Ticket, r.Contact.ID
	ana := conversation.AsAgent("ana")
	_, err := f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tkID, Tag: "vip", By: ana})
	require.NoError(t, err)
	_, err = f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: cID, Key: "plan", Value: "oro", By: ana})
	require.NoError(t, err)
	full := ticket.Ticket{}
	for i := range ticket.MaxTags - 1 {
		full.Tags = append(full.Tags, fmt.Sprintf("t%02d", i))
	}
	for _, tag := range full.Tags {
		_, err = f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tkID, Tag: tag, By: ana})
		require.NoError(t, err)
	}
	f.rec.take()
	tk0, c0 := f.ticket(t, tkID), f.contact(t, cID)
	require.Len(t, tk0.Tags, ticket.MaxTags)

	tag := func(tag string, by conversation.Actor) func() error {
		return func() error {
			_, err := f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tkID, Tag: tag, By: by})
			return err
		}
	}
	untag := func(tag string, by conversation.Actor) func() error {
		return func() error {
			_, err := f.eng.UntagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tkID, Tag: tag, By: by})
			return err
		}
	}
	set := func(key, value string, by conversation.Actor) func() error {
		return func() error {
			_, err := f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: cID, Key: key, Value: value, By: by})
			return err
		}
	}
	unset := func(key string, by conversation.Actor) func() error {
		return func() error {
			_, err := f.eng.UnsetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: cID, Key: key, By: by})
			return err
		}
	}
	rename := func(name string, by conversation.Actor) func() error {
		return func() error {
			_, err := f.eng.RenameContact(bg, contactcenter.ContactRenaming{Workspace: ws, Contact: cID, Name: name, By: by})
			return err
		}
	}
	prio := func(p ticket.Priority, by conversation.Actor) func() error {
		return func() error {
			_, err := f.eng.SetPriority(bg, contactcenter.Prioritizing{Workspace: ws, Ticket: tkID, Priority: p, By: by})
			return err
		}
	}
	contact := conversation.AsContact(cID)
	tests := []struct {
		name string
		call func() error
		want error
		msg  string // a part of the message
	}{
		{"tag: no actor", tag("x", conversation.Actor{}), contactcenter.ErrInvalid, "no actor"},
		{"tag: agent without id", tag("x", conversation.Actor{Kind: conversation.ActorAgent}), contactcenter.ErrInvalid, "without id"},
		{"tag: unknown agent", tag("x", conversation.AsAgent("nadie")), contactcenter.ErrNotFound, "nadie"},
		{"tag: contact", tag("x", contact), contactcenter.ErrForbidden, "may not tag"},
		{"tag: unknown ticket", func() error {
			_, err := f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: "nope", Tag: "x", By: ana})
			return err
		}, contactcenter.ErrNotFound, "nope"},
		{"tag: other workspace", func() error {
			_, err := f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: "other", Ticket: tkID, Tag: "x", By: conversation.Host()})
			return err
		}, contactcenter.ErrNotFound, "ticket"},
		{"tag: empty", tag(" ", ana), contactcenter.ErrInvalid, "empty tag"},
		{"tag: too long", tag(strings.Repeat("t", ticket.MaxTagLen+1), ana), contactcenter.ErrInvalid, "longer than"},
		{"tag: control character", tag("v\nip", ana), contactcenter.ErrInvalid, "control"},
		{"tag: invalid UTF-8", tag("v\xffip", ana), contactcenter.ErrInvalid, "UTF-8"},
		{"tag: beyond MaxTags", tag("one-more", ana), contactcenter.ErrInvalid, "more than"},
		{"untag: no actor", untag("vip", conversation.Actor{}), contactcenter.ErrInvalid, "no actor"},
		{"untag: contact", untag("vip", contact), contactcenter.ErrForbidden, "may not untag"},
		{"untag: empty", untag("", ana), contactcenter.ErrInvalid, "empty tag"},
		{"set: no actor", set("plan", "x", conversation.Actor{}), contactcenter.ErrInvalid, "no actor"},
		{"set: contact", set("plan", "x", contact), contactcenter.ErrForbidden, "may not set"},
		{"set: unknown contact", func() error {
			_, err := f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: "nope", Key: "plan", Value: "x", By: ana})
			return err
		}, contactcenter.ErrNotFound, "nope"},
		{"set: empty key", set("", "x", ana), contactcenter.ErrInvalid, "empty field key"},
		{"set: uppercase key", set("Plan", "x", ana), contactcenter.ErrInvalid, "lowercase"},
		{"set: dotted key", set("plan.tier", "x", ana), contactcenter.ErrInvalid, "a-z, 0-9 and _"},
		{"set: long key", set(strings.Repeat("k", ticket.MaxFieldKeyLen+1), "x", ana), contactcenter.ErrInvalid, "longer than"},
		{"set: empty value", set("plan", "", ana), contactcenter.ErrInvalid, "UnsetContactField"},
		{"set: long value", set("plan", strings.Repeat("v", ticket.MaxFieldValueBytes+1), ana), contactcenter.ErrInvalid, "longer than"},
		{"set: NUL in value", set("plan", "o\x00ro", ana), contactcenter.ErrInvalid, "NUL"},
		{"set: invalid UTF-8", set("plan", "oro\xff", ana), contactcenter.ErrInvalid, "UTF-8"},
		{"unset: contact", unset("plan", contact), contactcenter.ErrForbidden, "may not unset"},
		{"unset: bad key", unset("Plan", ana), contactcenter.ErrInvalid, "lowercase"},
		{"rename: no actor", rename("Ana", conversation.Actor{}), contactcenter.ErrInvalid, "no actor"},
		{"rename: contact", rename("Ana", contact), contactcenter.ErrForbidden, "may not rename"},
		{"rename: empty", rename("  ", ana), contactcenter.ErrInvalid, "empty contact name"},
		{"rename: too long", rename(strings.Repeat("é", ticket.MaxNameLen+1), ana), contactcenter.ErrInvalid, "longer than"},
		{"rename: control character", rename("Ana\u0007", ana), contactcenter.ErrInvalid, "control"},
		{"priority: no actor", prio(ticket.PriorityHigh, conversation.Actor{}), contactcenter.ErrInvalid, "no actor"},
		{"priority: contact", prio(ticket.PriorityHigh, contact), contactcenter.ErrForbidden, "may not set"},
		{"priority: unknown", prio(ticket.Priority(9), ana), contactcenter.ErrInvalid, "unknown priority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			assert.True(t, errors.Is(err, tt.want), "error %v, want %v", err, tt.want)
			var e *contactcenter.Error
			require.True(t, errors.As(err, &e), "an *Error")
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, tk0, f.ticket(t, tkID), "the ticket is unchanged")
			assert.Equal(t, c0, f.contact(t, cID), "the contact is unchanged")
			assert.Empty(t, f.rec.take(), "nothing is published")
		})
	}
}

// A contact field set through the engine survives the contact's next
// message, which rewrites the contact (a new name from the channel).
func TestFieldSurvivesContactsMessage(t *testing.T) {
	f, r := crmFixture(t)
	_, err := f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: r.Contact.ID, Key: "plan", Value: "oro", By: conversation.Host()})
	require.NoError(t, err)
	r2, err := f.eng.Receive(context.Background(), contactcenter.Inbound{
		Workspace: ws, Channel: "tg", ExternalID: "u2",
		From: contactcenter.Sender{ExternalID: "c1", Name: "Otro Nombre", Language: "es"}, Text: "sigo aquí",
	})
	require.NoError(t, err)
	assert.Equal(t, "oro", r2.Contact.Fields["plan"])
	assert.Equal(t, "oro", f.contact(t, r.Contact.ID).Fields["plan"])
}

// A name given through the engine stays when the contact writes again
// under another name on their channel; a contact never renamed takes the
// channel's new name.
func TestRenameSurvivesContactsMessage(t *testing.T) {
	f, r := crmFixture(t)
	from := func(ext, name string) contactcenter.Received {
		t.Helper()
		got, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: ext,
			From: contactcenter.Sender{ExternalID: "c1", Name: name, Language: "es"}, Text: "hola"})
		require.NoError(t, err)
		return got
	}
	assert.Equal(t, "Nuevo Nombre", from("u2", "Nuevo Nombre").Contact.Name, "not renamed: the channel's name")

	c, err := f.eng.RenameContact(bg, contactcenter.ContactRenaming{Workspace: ws, Contact: r.Contact.ID, Name: "Ana Pérez (VIP)", By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.True(t, c.Renamed)
	assert.Equal(t, "Ana Pérez (VIP)", from("u3", "Otro Nombre").Contact.Name)
	assert.Equal(t, "Ana Pérez (VIP)", f.contact(t, r.Contact.ID).Name)
}
