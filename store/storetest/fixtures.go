package storetest

import (
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

func newContact(ws ticket.WorkspaceID, id ticket.ContactID) ticket.Contact {
	return ticket.Contact{ID: id, Workspace: ws, Name: "Name " + string(id), Language: "es-MX", CreatedAt: t0, Version: 1}
}

func newTicket(ws ticket.WorkspaceID, id ticket.ID, n ticket.Number, contact ticket.ContactID) ticket.Ticket {
	return ticket.Ticket{ID: id, Workspace: ws, Number: n, Contact: contact, Subject: "Subject " + string(id), Status: ticket.Open, OpenedAt: t0, Version: 1}
}

func newConversation(ws ticket.WorkspaceID, id conversation.ID, t ticket.Ticket, ch channel.ID) conversation.Conversation {
	return conversation.Conversation{
		ID: id, Workspace: ws, Ticket: t.ID, TicketNumber: t.Number, Channel: ch, Contact: t.Contact,
		ContactExternalID: "ext-" + string(t.Contact), State: conversation.Open,
		WaitingSince: t0, OpenedAt: t0, LastActivity: t0, Version: 1,
	}
}

func newInbound(c conversation.Conversation, id conversation.MessageID, ext string, at time.Time) conversation.Message {
	return conversation.Message{
		ID: id, Workspace: c.Workspace, Conversation: c.ID, Ticket: c.Ticket, Channel: c.Channel,
		Direction: conversation.FromContact, Author: conversation.Author{Kind: conversation.AuthorContact},
		Kind: conversation.KindText, Text: "text " + string(id), ExternalID: ext, CreatedAt: at, Version: 1,
	}
}

func newOutbound(c conversation.Conversation, id conversation.MessageID, due time.Time) conversation.Message {
	return conversation.Message{
		ID: id, Workspace: c.Workspace, Conversation: c.ID, Ticket: c.Ticket, Channel: c.Channel,
		Direction: conversation.ToContact, Author: conversation.Author{Kind: conversation.AuthorAgent, Agent: "a1"},
		Kind: conversation.KindText, Text: "reply " + string(id), CreatedAt: due,
		Delivery: conversation.DeliveryPending, NextAttempt: due, Version: 1,
	}
}

// seed stores a contact, a ticket and an open conversation on channel "ch".
func seed(t testing.TB, s store.Store, ws ticket.WorkspaceID, name string) (ticket.Contact, ticket.Ticket, conversation.Conversation) {
	t.Helper()
	return seedWith(t, s, ws, name, nil)
}

// seedWith is seed with the conversation changed by mod, if given, before
// it is created.
func seedWith(t testing.TB, s store.Store, ws ticket.WorkspaceID, name string, mod func(*conversation.Conversation)) (ticket.Contact, ticket.Ticket, conversation.Conversation) {
	t.Helper()
	c := newContact(ws, ticket.ContactID("c-"+name))
	tk := newTicket(ws, ticket.ID("t-"+name), 0, c.ID)
	var cv conversation.Conversation
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.CreateContact(ctx(), c, "ch", "ext-"+string(c.ID)); err != nil {
			return err
		}
		n, err := tx.NextTicketNumber(ctx(), ws)
		if err != nil {
			return err
		}
		tk.Number = n
		if err := tx.CreateTicket(ctx(), tk); err != nil {
			return err
		}
		cv = newConversation(ws, conversation.ID("cv-"+name), tk, "ch")
		if mod != nil {
			mod(&cv)
		}
		return tx.CreateConversation(ctx(), cv)
	}))
	return c, tk, cv
}

// Normalisers: stores may return times in another location and empty
// slices or maps as nil.

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func normContact(c ticket.Contact) ticket.Contact {
	c.CreatedAt = utc(c.CreatedAt)
	if len(c.Fields) == 0 {
		c.Fields = nil
	} else {
		c.Fields = maps.Clone(c.Fields)
	}
	return c
}

func normTicket(t ticket.Ticket) ticket.Ticket {
	t.OpenedAt, t.ClosedAt = utc(t.OpenedAt), utc(t.ClosedAt)
	if len(t.Tags) == 0 {
		t.Tags = nil
	}
	return t
}

func normConversation(c conversation.Conversation) conversation.Conversation {
	c.WaitingSince, c.OpenedAt, c.LastActivity, c.ClosedAt = utc(c.WaitingSince), utc(c.OpenedAt), utc(c.LastActivity), utc(c.ClosedAt)
	return c
}

func normMessage(m conversation.Message) conversation.Message {
	m.CreatedAt, m.NextAttempt = utc(m.CreatedAt), utc(m.NextAttempt)
	if len(m.Attachments) == 0 {
		m.Attachments = nil
	}
	if len(m.Revisions) == 0 {
		m.Revisions = nil
	} else {
		rs := make([]conversation.Revision, len(m.Revisions))
		for i, r := range m.Revisions {
			rs[i] = conversation.Revision{Text: r.Text, At: utc(r.At)}
		}
		m.Revisions = rs
	}
	return m
}

func normAgent(a conversation.Agent) conversation.Agent {
	if len(a.Teams) == 0 {
		a.Teams = nil
	}
	return a
}

// normEvent keeps of the actor what an event keeps: its Kind and ID.
func normEvent(e conversation.Event) conversation.Event {
	e.At = utc(e.At)
	e.Actor = conversation.Actor{Kind: e.Actor.Kind, ID: e.Actor.ID}
	return e
}

func normTimer(tm store.Timer) store.Timer {
	tm.Due = utc(tm.Due)
	if len(tm.Payload) == 0 {
		tm.Payload = nil
	}
	return tm
}

func normInbound(r store.InboundRecords) store.InboundRecords {
	r.Duplicate, r.Contact, r.Open = normMessage(r.Duplicate), normContact(r.Contact), normConversation(r.Open)
	return r
}

// bare hides the optional capabilities of a transaction: the functions of
// package store take, on it, the way they take without the capability.
type bare struct{ store.Tx }
