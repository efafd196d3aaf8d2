package template_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

// closedAtNight is business hours open from 9:00 to 18:00 UTC every day.
type closedAtNight struct{}

func (closedAtNight) IsOpen(t time.Time) bool { return t.Hour() >= 9 && t.Hour() < 18 }
func (closedAtNight) NextOpen(t time.Time) (time.Time, bool) {
	d := time.Date(t.Year(), t.Month(), t.Day(), 9, 0, 0, 0, time.UTC)
	if !d.After(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d, true
}

// R4 and R5 with real templates and no store: conversation.Receive renders
// the welcome and the out-of-hours message into its change, in the
// contact's language, with the ticket the change opens or writes, or else
// the one the engine loaded, and the assigned agent; a template that
// renders blank sends nothing, and a blank out-of-hours message is not
// recorded as sent (R15: every variable fell back to nothing).
func TestReceiveRendersAutomaticMessages(t *testing.T) {
	const ws = ticket.WorkspaceID("acme")
	night := time.Date(2025, 3, 10, 22, 0, 0, 0, time.UTC)
	nextMorning := time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC)
	tpl := func(name string, v ...template.Variant) *template.Template {
		tp, err := template.New(name, v...)
		require.NoError(t, err)
		return tp
	}
	welcome := tpl("welcome",
		template.Variant{Language: "en", Text: `Hi {{contact.first_name | "there"}}, ticket #{{ticket.number}} on {{channel.id}}.`},
		template.Variant{Language: "es", Text: `Hola {{contact.first_name | "de nuevo"}}, ticket #{{ticket.number}} en {{channel.id}}.`})
	closed := tpl("closed",
		template.Variant{Language: "en", Text: `We are closed. {{agent.first_name | "Someone"}} will answer about #{{ticket.number}} ({{ticket.subject}}).`},
		template.Variant{Language: "es", Text: `Estamos cerrados. {{agent.first_name | "Alguien"}} responderá sobre el #{{ticket.number}} ({{ticket.subject}}).`})
	blank := tpl("blank", template.Variant{Language: "en", Text: `{{contact.first_name}} {{contact.fields.nickname}}`})

	lucia := ticket.Contact{ID: "k1", Workspace: ws, Name: "Lucía Fernández", Language: "es-MX"}
	nameless := ticket.Contact{ID: "k1", Workspace: ws, Language: "en"}
	tg := channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram}
	msg := conversation.Message{ID: "m1", Channel: "tg", ExternalID: "u1", Kind: conversation.KindText, Text: "Mi pedido no llegó"}

	auto := func(w, o *template.Template, d template.Data) conversation.Automatic {
		var a conversation.Automatic
		if w != nil {
			a.Welcome, a.WelcomeID = template.Bound{Template: w, Data: d}, "w1"
		}
		if o != nil {
			a.OutOfHours, a.OutOfHoursID, a.Hours = template.Bound{Template: o, Data: d}, "o1", closedAtNight{}
		}
		return a
	}
	receive := func(st conversation.InboundState, contact ticket.Contact, a conversation.Automatic) conversation.Change {
		t.Helper()
		ch, err := conversation.Receive(&st, &conversation.Inbound{Workspace: ws, Contact: contact.ID, ContactExternalID: "555",
			Message: msg, Automatic: a}, night)
		require.NoError(t, err)
		return ch
	}
	texts := func(ch *conversation.Change) []string {
		var out []string
		for _, m := range ch.Automatic() {
			out = append(out, m.Text)
		}
		return out
	}

	// A first message: a new ticket, in the change.
	first := conversation.InboundState{NewConversation: "c9", NewTicket: "t9", NewTicketNumber: 77}
	ch := receive(first, lucia, auto(welcome, closed, template.Data{Contact: &lucia, Channel: &tg}))
	assert.Equal(t, []string{
		"Hola Lucía, ticket #77 en tg.",
		"Estamos cerrados. Alguien responderá sobre el #77 (Mi pedido no llegó).",
	}, texts(&ch))
	assert.Equal(t, nextMorning, ch.Conversation.OutOfHoursUntil)

	// A new conversation on the contact's open ticket, written by the change.
	old := ticket.Ticket{ID: "t5", Workspace: ws, Number: 5, Contact: "k1", Subject: "Factura", Status: ticket.Open, Version: 2}
	again := conversation.InboundState{NewConversation: "c10", HasLatest: true, LatestTicket: old,
		Latest: conversation.Conversation{ID: "c4", Workspace: ws, Ticket: "t5", TicketNumber: 5, State: conversation.Closed}}
	ch = receive(again, lucia, auto(welcome, nil, template.Data{Contact: &lucia, Channel: &tg}))
	assert.Equal(t, []string{"Hola Lucía, ticket #5 en tg."}, texts(&ch))

	// A message in an open conversation, assigned: the ticket and the agent
	// are the ones the engine loaded; no welcome.
	open := conversation.Conversation{ID: "c4", Workspace: ws, Ticket: "t5", TicketNumber: 5, Channel: "tg", Contact: "k1",
		State: conversation.Open, Assignee: "ana", Version: 4}
	ana := conversation.Agent{ID: "ana", Workspace: ws, Name: "Ana López"}
	en := lucia
	en.Language = "en-GB"
	ch = receive(conversation.InboundState{Open: open, HasOpen: true}, en,
		auto(welcome, closed, template.Data{Contact: &en, Channel: &tg, Ticket: &old, Agent: &ana}))
	assert.Equal(t, []string{"We are closed. Ana will answer about #5 (Factura)."}, texts(&ch))
	assert.Equal(t, nextMorning, ch.Conversation.OutOfHoursUntil)

	// Blank renders send nothing; the blank out-of-hours message is offered
	// again on the next message of the period.
	ch = receive(first, nameless, auto(blank, blank, template.Data{Contact: &nameless, Channel: &tg}))
	assert.Empty(t, ch.Automatic())
	assert.True(t, ch.Conversation.OutOfHoursUntil.IsZero(), "a blank out-of-hours message is not recorded as sent")
	for _, e := range ch.Events() {
		assert.NotEqual(t, conversation.EventMessageQueued, e.Type, "no message, no event")
	}
	ch = receive(conversation.InboundState{Open: open, HasOpen: true}, nameless, auto(nil, blank, template.Data{Contact: &nameless, Channel: &tg, Ticket: &old}))
	assert.Empty(t, ch.Automatic())
	assert.True(t, ch.Conversation.OutOfHoursUntil.IsZero())
}

// Bound renders for the change: its conversation, its ticket when it
// writes one, else the Data's; no template, no text.
func TestBound(t *testing.T) {
	tp, err := template.New("t", template.Variant{Language: "en", Text: `{{conversation.id}} #{{ticket.number | "?"}} {{contact.language | "none"}}`})
	require.NoError(t, err)
	kept := ticket.Ticket{ID: "t1", Number: 1}
	ch := conversation.Change{Conversation: conversation.Conversation{ID: "c1"}}
	assert.Equal(t, "c1 #? none", template.Bound{Template: tp}.Text(&ch))
	assert.Equal(t, "c1 #1 none", template.Bound{Template: tp, Data: template.Data{Ticket: &kept}}.Text(&ch))
	ch.Ticket, ch.TicketWrite = ticket.Ticket{ID: "t2", Number: 2}, conversation.Create
	assert.Equal(t, "c1 #2 es", template.Bound{Template: tp, Data: template.Data{Ticket: &kept, Contact: &ticket.Contact{Language: "es"}}}.Text(&ch))
	assert.Empty(t, template.Bound{}.Text(&ch))
}
