package workflow

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

func ev(typ conversation.EventType) conversation.Event { return conversation.Event{Type: typ} }

func TestMatchesAndStart(t *testing.T) {
	tagged := ev(conversation.EventTicketTagged)
	tagged.Detail = "vip"
	untagged := ev(conversation.EventTicketUntagged)
	untagged.Detail = "vip"
	fieldSet := ev(conversation.EventContactFieldSet)
	fieldSet.Detail = "plan"
	fieldUnset := ev(conversation.EventContactFieldUnset)
	fieldUnset.Detail = "plan"
	reply := ev(conversation.EventMessageQueued)
	reply.Agent = "ag1"
	automatic := ev(conversation.EventMessageQueued)
	away := ev(conversation.EventPresenceChanged)
	away.Presence = conversation.Away
	received := ev(conversation.EventMessageReceived)

	tests := []struct {
		trigger Trigger
		yes     []conversation.Event
		no      []conversation.Event
	}{
		{Trigger{On: OnConversationOpened}, []conversation.Event{ev(conversation.EventConversationOpened)}, []conversation.Event{ev(conversation.EventConversationClosed)}},
		{Trigger{On: OnMessageReceived}, []conversation.Event{received}, []conversation.Event{reply, automatic}},
		{Trigger{On: OnMessageReceived, From: FromContact}, []conversation.Event{received}, []conversation.Event{reply}},
		{Trigger{On: OnMessageReceived, From: FromAgent}, []conversation.Event{reply}, []conversation.Event{received, automatic, ev(conversation.EventMessageSent)}},
		{Trigger{On: OnMessageReceived, From: FromAnyone}, []conversation.Event{received, reply}, []conversation.Event{automatic}},
		{Trigger{On: OnConversationClosed}, []conversation.Event{ev(conversation.EventConversationClosed)}, []conversation.Event{ev(conversation.EventConversationOpened)}},
		{Trigger{On: OnTicketOpened}, []conversation.Event{ev(conversation.EventTicketOpened)}, []conversation.Event{ev(conversation.EventTicketClosed)}},
		{Trigger{On: OnTicketClosed}, []conversation.Event{ev(conversation.EventTicketClosed)}, []conversation.Event{ev(conversation.EventTicketOpened)}},
		{Trigger{On: OnPresenceChanged}, []conversation.Event{away, ev(conversation.EventPresenceChanged)}, []conversation.Event{received}},
		{Trigger{On: OnPresenceChanged, Presence: "away"}, []conversation.Event{away}, []conversation.Event{ev(conversation.EventPresenceChanged)}},
		{Trigger{On: OnTagAdded}, []conversation.Event{tagged}, []conversation.Event{untagged}},
		{Trigger{On: OnTagAdded, Tag: "vip"}, []conversation.Event{tagged}, []conversation.Event{{Type: conversation.EventTicketTagged, Detail: "new"}}},
		{Trigger{On: OnTagRemoved, Tag: "vip"}, []conversation.Event{untagged}, []conversation.Event{tagged}},
		{Trigger{On: OnFieldChanged}, []conversation.Event{fieldSet, fieldUnset}, []conversation.Event{ev(conversation.EventContactRenamed)}},
		{Trigger{On: OnFieldChanged, Field: "plan"}, []conversation.Event{fieldSet, fieldUnset}, []conversation.Event{{Type: conversation.EventContactFieldSet, Detail: "age"}}},
		{Trigger{On: OnAssigned}, []conversation.Event{ev(conversation.EventConversationAssigned)}, []conversation.Event{ev(conversation.EventConversationUnassigned)}},
		{Trigger{On: OnUnassigned}, []conversation.Event{ev(conversation.EventConversationUnassigned)}, []conversation.Event{ev(conversation.EventConversationAssigned)}},
		{Trigger{On: OnNoContactReply, After: Duration(60e9)}, nil, []conversation.Event{received, reply}},
		{Trigger{On: OnNoAgentReply, After: Duration(60e9)}, nil, []conversation.Event{received}},
		{Trigger{On: OnWaiting, After: Duration(60e9)}, nil, []conversation.Event{received}},
		{Trigger{On: "nope"}, nil, []conversation.Event{received}},
	}
	for _, tt := range tests {
		d := &Definition{Name: "w", Trigger: tt.trigger, Steps: []Step{{Do: Close}}}
		events := tt.trigger.Events()
		for _, e := range tt.yes {
			if !tt.trigger.Matches(&e) {
				t.Errorf("%+v does not match %+v", tt.trigger, e)
			}
			s := &Snapshot{Event: e}
			if ok, trace := Start(d, s); !ok || trace != nil {
				t.Errorf("%+v: Start of %+v = %v %+v", tt.trigger, e, ok, trace)
			}
			found := false
			for _, typ := range events {
				found = found || typ == e.Type
			}
			if !found {
				t.Errorf("%+v: Events %v lack %s", tt.trigger, events, e.Type)
			}
		}
		for _, e := range tt.no {
			if tt.trigger.Matches(&e) {
				t.Errorf("%+v matches %+v", tt.trigger, e)
			}
			if ok, _ := Start(d, &Snapshot{Event: e}); ok != tt.trigger.On.TimeBased() {
				t.Errorf("%+v: Start of %+v = %v", tt.trigger, e, ok)
			}
		}
		if tt.trigger.On.TimeBased() && events != nil {
			t.Errorf("%s: events %v", tt.trigger.On, events)
		}
	}
	if (&Trigger{On: OnConversationOpened}).Matches(nil) {
		t.Error("nil event matched")
	}
}

func TestEventsOfMessages(t *testing.T) {
	for from, want := range map[Author][]conversation.EventType{
		"":          {conversation.EventMessageReceived},
		FromAgent:   {conversation.EventMessageQueued},
		FromAnyone:  {conversation.EventMessageReceived, conversation.EventMessageQueued},
		"somebody":  nil,
		FromContact: {conversation.EventMessageReceived},
	} {
		tr := Trigger{On: OnMessageReceived, From: from}
		if got := tr.Events(); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v, want %v", from, got, want)
		}
	}
}

func TestStartOutOfHours(t *testing.T) {
	hours := func(s string) (bool, bool) {
		switch s {
		case "":
			return false, true
		case "support":
			return true, true
		}
		return false, false
	}
	msg := ev(conversation.EventMessageReceived)
	tests := []struct {
		service string
		hours   func(string) (bool, bool)
		event   conversation.Event
		ok      bool
		trace   []Trace
	}{
		{"", hours, msg, true, []Trace{{Path: "trigger", Field: "hours", Op: Eq, Want: "closed", Got: "closed", Held: true}}},
		{"support", hours, msg, false, []Trace{{Path: "trigger", Field: "hours.support", Op: Eq, Want: "closed", Got: "open"}}},
		{"gone", hours, msg, false, []Trace{{Path: "trigger", Field: "hours.gone", Op: Eq, Want: "closed", Err: `no service "gone"`}}},
		{"", nil, msg, false, []Trace{{Path: "trigger", Field: "hours", Op: Eq, Want: "closed", Err: "no service hours in the snapshot"}}},
		{"", hours, ev(conversation.EventMessageQueued), false, nil},
	}
	for _, tt := range tests {
		d := &Definition{Name: "w", Trigger: Trigger{On: OnOutOfHours, Service: tt.service}, Steps: []Step{{Do: Close}}}
		ok, trace := Start(d, &Snapshot{Event: tt.event, Hours: tt.hours})
		if ok != tt.ok || !reflect.DeepEqual(trace, tt.trace) {
			t.Errorf("%q: %v %+v, want %v %+v", tt.service, ok, trace, tt.ok, tt.trace)
		}
	}
}

func TestStartCondition(t *testing.T) {
	d := &Definition{Name: "w", Trigger: Trigger{On: OnMessageReceived},
		If:    &Condition{All: []Condition{{Field: "message.text", Op: Contains, Value: "factura"}, {Field: "contact.language", Op: Eq, Value: "es"}}},
		Steps: []Step{{Do: Close}}}
	s := snapshot()
	ok, trace := Start(d, s)
	if ok || len(trace) != 2 || !trace[0].Held || trace[1].Held || trace[1].Path != "if.all[1]" || trace[1].Got != "es-MX" {
		t.Errorf("%v %+v", ok, trace)
	}
	s.Contact.Language = "es"
	if ok, _ := Start(d, s); !ok {
		t.Error("did not start")
	}
	d.Trigger.On = OnNoAgentReply
	s.Event = ev(conversation.EventConversationClosed)
	if ok, _ := Start(d, s); !ok {
		t.Error("a time-based trigger did not start")
	}
	if ok, _ := Start(nil, s); ok {
		t.Error("nil definition started")
	}
}

// Start gives the result each definition should; Holds, the quick test
// without a trace, and a Compiled definition agree with it.
func TestHoldsAgreesWithStart(t *testing.T) {
	open := &conversation.Conversation{ID: "c1", State: conversation.Open, Channel: "tg"}
	snap := func(ev conversation.Event, text string) *Snapshot {
		return &Snapshot{Event: ev, Conversation: open, Message: &conversation.Message{ID: "m1", Text: text},
			Hours: func(string) (bool, bool) { return false, true }}
	}
	received := conversation.Event{Type: conversation.EventMessageReceived, Conversation: "c1", Message: "m1"}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	detailed := func(ev conversation.Event) *Snapshot {
		s := snap(ev, "hola")
		s.Now = now
		s.Conversation = &conversation.Conversation{ID: "c1", State: conversation.Open, Channel: "tg", WaitingSince: now.Add(-10 * time.Minute)}
		s.Ticket = &ticket.Ticket{ID: "t1", Priority: ticket.PriorityUrgent, Tags: []string{"vip"}}
		s.Contact = &ticket.Contact{ID: "k1", Fields: map[string]string{"orders": "10", "plan": "basic"}}
		return s
	}
	for _, tt := range []struct {
		d    *Definition
		s    *Snapshot
		want bool
	}{
		{&Definition{Trigger: Trigger{On: OnMessageReceived}}, snap(received, "hola"), true},
		{&Definition{Trigger: Trigger{On: OnMessageReceived}, If: &Condition{Field: "message.text", Op: Contains, Value: "FACTURA"}}, snap(received, "mi fáctura"), true},
		{&Definition{Trigger: Trigger{On: OnMessageReceived}, If: &Condition{Field: "message.text", Op: Contains, Value: "factura"}}, snap(received, "hola"), false},
		{&Definition{Trigger: Trigger{On: OnMessageReceived}, If: &Condition{Any: []Condition{{Field: "message.text", Op: Eq, Value: "x"}, {Not: &Condition{Field: "conversation.state", Op: Eq, Value: "closed"}}}}}, snap(received, "hola"), true},
		{&Definition{Trigger: Trigger{On: OnMessageReceived}, If: &Condition{All: []Condition{{Field: "message.text", Op: Matches, Value: "^h"}, {Field: "conversation.state", Op: Eq, Value: "closed"}}}}, snap(received, "hola"), false},
		{&Definition{Trigger: Trigger{On: OnOutOfHours}}, snap(received, "hola"), true},
		{&Definition{Trigger: Trigger{On: OnConversationClosed}}, snap(received, "hola"), false},
		{&Definition{Trigger: Trigger{On: OnMessageReceived}, If: &Condition{All: []Condition{
			{Field: "ticket.priority", Op: Gte, Value: "high"},
			{Field: "ticket.priority", Op: In, Values: []string{"low", "urgent"}},
			{Field: "ticket.tags", Op: In, Values: []string{"x", "vip"}},
			{Field: "conversation.waiting", Op: Gt, Value: "5m"},
			{Field: "contact.field.orders", Op: Gt, Value: "9"},
			{Field: "contact.field.plan", Op: Lt, Value: "pro"},
		}}}, detailed(received), true},
		{&Definition{Trigger: Trigger{On: OnMessageReceived}, If: &Condition{Any: []Condition{
			{Field: "ticket.priority", Op: Gt, Value: "urgent"},
			{Field: "ticket.priority", Op: Eq, Value: "loud"},
			{Field: "conversation.waiting", Op: Lt, Value: "soon"},
			{Field: "ticket.tags", Op: Gt, Value: "a"},
			{Field: "contact.nickname", Op: Eq, Value: "x"},
			{Field: "message.text", Op: "like", Value: "x"},
			{Field: "message.text", Op: Matches, Value: "("},
		}}}, detailed(received), false},
	} {
		ok, trace := Start(tt.d, tt.s)
		if ok != tt.want {
			t.Errorf("Start(%+v) = %t, want %t", tt.d, ok, tt.want)
		}
		if got := Holds(tt.d, tt.s); got != ok {
			t.Errorf("Holds(%+v) = %t, Start says %t", tt.d, got, ok)
		}
		c := Compile(tt.d)
		if got := c.Holds(tt.s); got != ok {
			t.Errorf("Compiled.Holds(%+v) = %t, Start says %t", tt.d, got, ok)
		}
		if got, gotTrace := c.Start(tt.s); got != ok || !reflect.DeepEqual(gotTrace, trace) {
			t.Errorf("Compiled.Start(%+v) = %t %+v, Start says %t %+v", tt.d, got, gotTrace, ok, trace)
		}
		if got := c.Matches(&tt.s.Event); got != tt.d.Trigger.Matches(&tt.s.Event) {
			t.Errorf("Compiled.Matches(%+v) = %t, the trigger says otherwise", tt.d, got)
		}
	}
}

// A Compiled is tested by many goroutines at once, each with its own
// snapshot.
func TestCompiledConcurrently(t *testing.T) {
	c := Compile(&Definition{Trigger: Trigger{On: OnMessageReceived}, If: &Condition{Any: []Condition{
		{Field: "message.text", Op: Contains, Value: "FACTURA"},
		{Field: "message.text", Op: Matches, Value: "^pedido [0-9]+$"},
	}}})
	received := conversation.Event{Type: conversation.EventMessageReceived, Conversation: "c1", Message: "m1"}
	texts := map[string]bool{"mi fáctura": true, "pedido 42": true, "hola": false, "pedido x": false}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				for text, want := range texts {
					s := &Snapshot{Event: received, Message: &conversation.Message{ID: "m1", Text: text}}
					if got := c.Holds(s); got != want {
						t.Errorf("Holds on %q = %t, want %t", text, got, want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// The values a condition compares with are parsed once, when it is
// compiled, and compare as their field's kind orders them.
func TestCompiledComparesByKind(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s := &Snapshot{Event: conversation.Event{Type: conversation.EventMessageReceived}, Now: now,
		Conversation: &conversation.Conversation{ID: "c1", State: conversation.Open, WaitingSince: now.Add(-10 * time.Minute)},
		Ticket:       &ticket.Ticket{ID: "t1", Priority: ticket.PriorityUrgent, Tags: []string{"vip"}},
		Contact:      &ticket.Contact{ID: "k1", Fields: map[string]string{"orders": "10", "plan": "basic"}}}
	for _, tt := range []struct {
		c    Condition
		held bool
		err  string
	}{
		{Condition{Field: "ticket.priority", Op: Gte, Value: "high"}, true, ""},
		{Condition{Field: "ticket.priority", Op: In, Values: []string{"low", "urgent"}}, true, ""},
		{Condition{Field: "ticket.priority", Op: NotIn, Values: []string{"low", "urgent"}}, false, ""},
		{Condition{Field: "conversation.waiting", Op: Gt, Value: "5m"}, true, ""},
		{Condition{Field: "conversation.waiting", Op: Lt, Value: "5m"}, false, ""},
		{Condition{Field: "conversation.waiting", Op: Eq, Value: "600s"}, true, ""},
		{Condition{Field: "contact.field.orders", Op: Gt, Value: "9"}, true, ""}, // as numbers, not as text
		{Condition{Field: "contact.field.plan", Op: Lt, Value: "pro"}, true, ""},
		{Condition{Field: "ticket.priority", Op: Eq, Value: "loud"}, false, ""},
		{Condition{Field: "ticket.priority", Op: Gt, Value: "loud"}, false, `"loud" is not a priority`},
		{Condition{Field: "conversation.waiting", Op: Lt, Value: "soon"}, false, `"soon" is not a duration`},
		{Condition{Field: "ticket.tags", Op: Gt, Value: "a"}, false, "op gt does not apply to ticket.tags"},
		{Condition{Field: "contact.nickname", Op: Eq, Value: "x"}, false, `unknown field "contact.nickname"`},
		{Condition{Field: "contact.name", Op: "like", Value: "x"}, false, `unknown op "like"`},
	} {
		d := &Definition{Trigger: Trigger{On: OnMessageReceived}, If: &tt.c}
		held, trace := Compile(d).Start(s)
		if held != tt.held || len(trace) != 1 || trace[0].Err != tt.err || trace[0].Path != "if" {
			t.Errorf("%+v: held %t, trace %+v; want held %t, err %q", tt.c, held, trace, tt.held, tt.err)
		}
	}
}
