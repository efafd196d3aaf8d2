package conversation_test

import (
	"maps"
	"slices"
	"testing"

	cv "github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

func crmContact() ticket.Contact {
	return ticket.Contact{ID: "k1", Workspace: ws, Name: "Ana", Fields: map[string]string{"plan": "oro"}, CreatedAt: t0, Version: 4}
}

// R11, R17: priority, tags, fields and name are changed by the host, the
// automations and the agents of the workspace, each change written with
// its version raised by one and one event; a contact and an agent of
// another workspace may not.
func TestRecordDecisions(t *testing.T) {
	actors := []cv.Actor{host, cv.System(), cv.By(alice), cv.By(sue), cv.AsBot("triage"), cv.AsWorkflow("run-1")}
	for _, by := range actors {
		tk, open := openTicket("t1", 1432), waitingConv()
		tkBefore, openBefore := openTicket("t1", 1432), waitingConv()

		ch, err := cv.TagTicket(&tk, &open, by, " vip ", now)
		if err != nil {
			t.Fatalf("%s: TagTicket: %v", by, err)
		}
		wantEvents(t, &ch, cv.EventTicketTagged)
		e := ch.Events()[0]
		if ch.TicketWrite != cv.Update || ch.Ticket.Version != tk.Version+1 || !slices.Equal(ch.Ticket.Tags, []string{"vip"}) {
			t.Errorf("%s: TagTicket wrote %v %+v", by, ch.TicketWrite, ch.Ticket)
		}
		if ch.ConversationWrite != cv.Keep || ch.ContactWrite != cv.Keep {
			t.Errorf("%s: TagTicket writes only the ticket", by)
		}
		if e.Detail != "vip" || e.Ticket != "t1" || e.TicketNumber != 1432 || e.Conversation != open.ID || e.Contact != "k1" || e.Agent != by.Agent() {
			t.Errorf("%s: ticket.tagged = %+v", by, e)
		}
		unchanged(t, "ticket", tkBefore, tk)
		unchanged(t, "conversation", openBefore, open)

		tagged := ch.Ticket
		ch, err = cv.UntagTicket(&tagged, nil, by, "vip", now)
		if err != nil {
			t.Fatalf("%s: UntagTicket: %v", by, err)
		}
		wantEvents(t, &ch, cv.EventTicketUntagged)
		if ch.Ticket.Version != tagged.Version+1 || len(ch.Ticket.Tags) != 0 || ch.Events()[0].Detail != "vip" || ch.Events()[0].Conversation != "" {
			t.Errorf("%s: UntagTicket = %+v, %+v", by, ch.Ticket, ch.Events()[0])
		}

		ch, err = cv.SetPriority(&tk, &open, by, ticket.PriorityUrgent, now)
		if err != nil {
			t.Fatalf("%s: SetPriority: %v", by, err)
		}
		wantEvents(t, &ch, cv.EventTicketPriority)
		if ch.Ticket.Version != tk.Version+1 || ch.Ticket.Priority != ticket.PriorityUrgent ||
			ch.Conversation.Version != open.Version+1 || ch.Conversation.Priority != ticket.PriorityUrgent {
			t.Errorf("%s: SetPriority wrote %+v and %+v", by, ch.Ticket, ch.Conversation)
		}
		unchanged(t, "ticket", tkBefore, tk)
		unchanged(t, "conversation", openBefore, open)

		c, cBefore := crmContact(), crmContact()
		ch, err = cv.SetContactField(&c, by, "city", "Lima", now)
		if err != nil {
			t.Fatalf("%s: SetContactField: %v", by, err)
		}
		wantEvents(t, &ch, cv.EventContactFieldSet)
		if ch.ContactWrite != cv.Update || ch.Contact.Version != c.Version+1 || !maps.Equal(ch.Contact.Fields, map[string]string{"plan": "oro", "city": "Lima"}) {
			t.Errorf("%s: SetContactField wrote %+v", by, ch.Contact)
		}
		if e := ch.Events()[0]; e.Contact != "k1" || e.Detail != "city" || e.Conversation != "" || e.Agent != by.Agent() {
			t.Errorf("%s: contact.field_set = %+v", by, e)
		}
		ch, err = cv.UnsetContactField(&c, by, "plan", now)
		if err != nil {
			t.Fatalf("%s: UnsetContactField: %v", by, err)
		}
		wantEvents(t, &ch, cv.EventContactFieldUnset)
		if ch.Contact.Version != c.Version+1 || len(ch.Contact.Fields) != 0 || ch.Events()[0].Detail != "plan" {
			t.Errorf("%s: UnsetContactField = %+v", by, ch.Contact)
		}
		ch, err = cv.RenameContact(&c, by, "Ana  María", now)
		if err != nil {
			t.Fatalf("%s: RenameContact: %v", by, err)
		}
		wantEvents(t, &ch, cv.EventContactRenamed)
		if ch.Contact.Version != c.Version+1 || ch.Contact.Name != "Ana María" || ch.Events()[0].Contact != "k1" {
			t.Errorf("%s: RenameContact = %+v", by, ch.Contact)
		}
		// The name the contact has, given through the engine, keeps it
		// from the channel's name: a change, with its event.
		ch, err = cv.RenameContact(&c, by, "Ana", now)
		if err != nil {
			t.Fatalf("%s: RenameContact: %v", by, err)
		}
		wantEvents(t, &ch, cv.EventContactRenamed)
		if !ch.Contact.Renamed || ch.Contact.Name != "Ana" || ch.Contact.Version != c.Version+1 {
			t.Errorf("%s: RenameContact to the same name = %+v", by, ch.Contact)
		}
		unchanged(t, "contact", cBefore, c)
	}
}

// R19: a contact, an agent of another workspace, no actor, and invalid
// values are refused with an empty change.
func TestRecordDecisionsRefused(t *testing.T) {
	tk, open, c := openTicket("t1", 1432), waitingConv(), crmContact()
	type decision func(by cv.Actor) (cv.Change, error)
	decisions := map[string]decision{
		"tag":      func(by cv.Actor) (cv.Change, error) { return cv.TagTicket(&tk, &open, by, "vip", now) },
		"untag":    func(by cv.Actor) (cv.Change, error) { return cv.UntagTicket(&tk, &open, by, "vip", now) },
		"priority": func(by cv.Actor) (cv.Change, error) { return cv.SetPriority(&tk, &open, by, ticket.PriorityHigh, now) },
		"set":      func(by cv.Actor) (cv.Change, error) { return cv.SetContactField(&c, by, "plan", "plata", now) },
		"unset":    func(by cv.Actor) (cv.Change, error) { return cv.UnsetContactField(&c, by, "plan", now) },
		"rename":   func(by cv.Actor) (cv.Change, error) { return cv.RenameContact(&c, by, "Bea", now) },
	}
	for name, d := range decisions {
		ch, err := d(cv.AsContact("k1"))
		wantErr(t, &ch, err, cv.ErrForbidden, "forbidden")
		ch, err = d(cv.By(eve))
		wantErr(t, &ch, err, cv.ErrForbidden, "forbidden")
		ch, err = d(cv.Actor{})
		wantErr(t, &ch, err, cv.ErrInvalid, "invalid")
		if t.Failed() {
			t.Fatalf("decision %s", name)
		}
	}
	bad := map[string]func() (cv.Change, error){
		"empty tag":         func() (cv.Change, error) { return cv.TagTicket(&tk, &open, host, "", now) },
		"control in tag":    func() (cv.Change, error) { return cv.TagTicket(&tk, &open, host, "a\tb", now) },
		"untag empty":       func() (cv.Change, error) { return cv.UntagTicket(&tk, &open, host, " ", now) },
		"unknown priority":  func() (cv.Change, error) { return cv.SetPriority(&tk, &open, host, 7, now) },
		"bad key":           func() (cv.Change, error) { return cv.SetContactField(&c, host, "Plan", "x", now) },
		"empty value":       func() (cv.Change, error) { return cv.SetContactField(&c, host, "plan", "", now) },
		"NUL value":         func() (cv.Change, error) { return cv.SetContactField(&c, host, "plan", "\x00", now) },
		"unset bad key":     func() (cv.Change, error) { return cv.UnsetContactField(&c, host, "pl an", now) },
		"empty name":        func() (cv.Change, error) { return cv.RenameContact(&c, host, "", now) },
		"control character": func() (cv.Change, error) { return cv.RenameContact(&c, host, "A\x00na", now) },
	}
	for name, d := range bad {
		ch, err := d()
		if !isInvalid(err) {
			t.Errorf("%s: error = %v, want invalid", name, err)
		}
		if !ch.Empty() {
			t.Errorf("%s: a refused decision returned %+v", name, ch)
		}
	}
	unchanged(t, "ticket", openTicket("t1", 1432), tk)
	unchanged(t, "contact", crmContact(), c)
}

func isInvalid(err error) bool { return codeOf(err) == "invalid" }

// No-ops: what the record has already is an empty change, with no event.
func TestRecordDecisionsNoOp(t *testing.T) {
	tk, open, c := openTicket("t1", 1432), waitingConv(), crmContact()
	tk.Tags = []string{"vip"}
	c.Renamed = true
	for name, d := range map[string]func() (cv.Change, error){
		"tag present":   func() (cv.Change, error) { return cv.TagTicket(&tk, &open, host, " vip", now) },
		"untag absent":  func() (cv.Change, error) { return cv.UntagTicket(&tk, &open, host, "other", now) },
		"same priority": func() (cv.Change, error) { return cv.SetPriority(&tk, &open, host, ticket.PriorityNormal, now) },
		"same value":    func() (cv.Change, error) { return cv.SetContactField(&c, host, "plan", "oro", now) },
		"unset absent":  func() (cv.Change, error) { return cv.UnsetContactField(&c, host, "city", now) },
		"same name":     func() (cv.Change, error) { return cv.RenameContact(&c, host, " Ana ", now) },
	} {
		ch, err := d()
		if err != nil || !ch.Empty() || len(ch.Events()) != 0 {
			t.Errorf("%s: got %+v, %v; want an empty change", name, ch, err)
		}
	}
}
