package workflow

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func snapshot() *Snapshot {
	return &Snapshot{
		Event:   conversation.Event{Type: conversation.EventMessageReceived, Channel: "ev-chan"},
		Now:     now,
		Contact: &ticket.Contact{Name: "Ana Pérez", Language: "es-MX", Fields: map[string]string{"plan": "gold", "age": "42"}},
		Ticket:  &ticket.Ticket{Subject: "Factura de marzo", Priority: ticket.PriorityHigh, Tags: []string{"billing", "vip"}},
		Conversation: &conversation.Conversation{
			Channel: "tg", State: conversation.Open, Assignee: "ag1", Team: "sales", Bot: "faq",
			WaitingSince: now.Add(-15 * time.Minute),
		},
		Message:  &conversation.Message{Text: "Necesito la FÁCTURA, por favor"},
		First:    true,
		Previous: "silver",
		Hours: func(s string) (bool, bool) {
			switch s {
			case "":
				return false, true
			case "support":
				return true, true
			}
			return false, false
		},
	}
}

func TestEvalFieldsAndOps(t *testing.T) {
	s := snapshot()
	tests := []struct {
		c    Condition
		held bool
		got  string
	}{
		{Condition{Field: "contact.name", Op: Eq, Value: "Ana Pérez"}, true, "Ana Pérez"},
		{Condition{Field: "contact.name", Op: Ne, Value: "Ana"}, true, "Ana Pérez"},
		{Condition{Field: "contact.name", Op: Contains, Value: "PEREZ"}, true, "Ana Pérez"},
		{Condition{Field: "contact.language", Op: In, Values: []string{"es", "es-MX"}}, true, "es-MX"},
		{Condition{Field: "contact.language", Op: NotIn, Values: []string{"es", "es-MX"}}, false, "es-MX"},
		{Condition{Field: "contact.language", Op: NotIn, Values: []string{"pt"}}, true, "es-MX"},
		{Condition{Field: "contact.channel", Op: Eq, Value: "tg"}, true, "tg"},
		{Condition{Field: "contact.field.plan", Op: Matches, Value: "^go+ld$"}, true, "gold"},
		{Condition{Field: "contact.field.plan", Op: Matches, Value: "^silver"}, false, "gold"},
		{Condition{Field: "contact.field.none", Op: Missing}, true, ""},
		{Condition{Field: "contact.field.plan", Op: Exists}, true, "gold"},
		{Condition{Field: "contact.field.age", Op: Gt, Value: "9"}, true, "42"},
		{Condition{Field: "contact.field.age", Op: Lt, Value: "100"}, true, "42"},
		{Condition{Field: "contact.field.age", Op: Gte, Value: "42"}, true, "42"},
		{Condition{Field: "contact.field.age", Op: Lte, Value: "41.5"}, false, "42"},
		{Condition{Field: "contact.field.plan", Op: Gt, Value: "apple"}, true, "gold"},
		{Condition{Field: "contact.field.plan", Op: Lt, Value: "9"}, false, "gold"},
		{Condition{Field: "ticket.priority", Op: Gt, Value: "normal"}, true, "high"},
		{Condition{Field: "ticket.priority", Op: Lt, Value: "urgent"}, true, "high"},
		{Condition{Field: "ticket.priority", Op: Gte, Value: "urgent"}, false, "high"},
		{Condition{Field: "ticket.priority", Op: Lte, Value: "high"}, true, "high"},
		{Condition{Field: "ticket.priority", Op: Eq, Value: "high"}, true, "high"},
		{Condition{Field: "ticket.priority", Op: In, Values: []string{"low", "high"}}, true, "high"},
		{Condition{Field: "ticket.tags", Op: Contains, Value: "vip"}, true, "billing, vip"},
		{Condition{Field: "ticket.tags", Op: Eq, Value: "vi"}, false, "billing, vip"},
		{Condition{Field: "ticket.tags", Op: Ne, Value: "spam"}, true, "billing, vip"},
		{Condition{Field: "ticket.tags", Op: In, Values: []string{"x", "billing"}}, true, "billing, vip"},
		{Condition{Field: "ticket.tags", Op: NotIn, Values: []string{"x", "billing"}}, false, "billing, vip"},
		{Condition{Field: "ticket.tags", Op: Exists}, true, "billing, vip"},
		{Condition{Field: "ticket.tags", Op: Missing}, false, "billing, vip"},
		{Condition{Field: "ticket.subject", Op: Contains, Value: "factura"}, true, "Factura de marzo"},
		{Condition{Field: "conversation.state", Op: Eq, Value: "open"}, true, "open"},
		{Condition{Field: "conversation.assignee", Op: Eq, Value: "ag1"}, true, "ag1"},
		{Condition{Field: "conversation.team", Op: Eq, Value: "sales"}, true, "sales"},
		{Condition{Field: "conversation.bot", Op: Eq, Value: "faq"}, true, "faq"},
		{Condition{Field: "conversation.waiting", Op: Gt, Value: "10m"}, true, "15m0s"},
		{Condition{Field: "conversation.waiting", Op: Lt, Value: "10m"}, false, "15m0s"},
		{Condition{Field: "conversation.waiting", Op: Eq, Value: "15m"}, true, "15m0s"},
		{Condition{Field: "conversation.first", Op: Eq, Value: "true"}, true, "true"},
		{Condition{Field: "conversation.first", Op: Ne, Value: "true"}, false, "true"},
		{Condition{Field: "message.text", Op: Contains, Value: "factura"}, true, "Necesito la FÁCTURA, por favor"},
		{Condition{Field: "message.text", Op: Contains, Value: "Fáctura"}, true, "Necesito la FÁCTURA, por favor"},
		{Condition{Field: "message.text", Op: Contains, Value: "recibo"}, false, "Necesito la FÁCTURA, por favor"},
		{Condition{Field: "hours", Op: Eq, Value: "closed"}, true, "closed"},
		{Condition{Field: "hours.support", Op: Eq, Value: "open"}, true, "open"},
		{Condition{Field: "hours.support", Op: Ne, Value: "open"}, false, "open"},
		{Condition{Field: "previous", Op: Eq, Value: "silver"}, true, "silver"},
	}
	for _, tt := range tests {
		held, trace := tt.c.EvalAt("steps[1].if", s)
		if held != tt.held || len(trace) != 1 {
			t.Errorf("%+v: held %v, trace %+v", tt.c, held, trace)
			continue
		}
		tr := trace[0]
		if tr.Path != "steps[1].if" || tr.Field != tt.c.Field || tr.Op != tt.c.Op || tr.Got != tt.got || tr.Held != tt.held || tr.Err != "" {
			t.Errorf("%+v: trace %+v, want got %q", tt.c, tr, tt.got)
		}
	}
}

func TestEvalNilParts(t *testing.T) {
	s := &Snapshot{Now: now, Event: conversation.Event{Channel: "ev-chan"}}
	for _, f := range []string{"contact.name", "contact.language", "contact.field.plan", "ticket.priority", "ticket.tags",
		"ticket.subject", "conversation.state", "conversation.assignee", "conversation.team", "conversation.bot", "message.text", "previous"} {
		held, trace := (&Condition{Field: f, Op: Missing}).Eval(s)
		if !held || trace[0].Got != "" || trace[0].Err != "" {
			t.Errorf("%s: %v %+v", f, held, trace)
		}
	}
	if held, trace := (&Condition{Field: "contact.channel", Op: Eq, Value: "ev-chan"}).Eval(s); !held {
		t.Errorf("channel from the event: %+v", trace)
	}
	if held, trace := (&Condition{Field: "conversation.waiting", Op: Eq, Value: "0s"}).Eval(s); !held || trace[0].Got != "0s" {
		t.Errorf("waiting: %+v", trace)
	}
	s.Conversation = &conversation.Conversation{}
	if held, trace := (&Condition{Field: "conversation.waiting", Op: Lt, Value: "1s"}).Eval(s); !held {
		t.Errorf("assigned waits 0: %+v", trace)
	}
	if held, trace := (&Condition{Field: "ticket.priority", Op: Gt, Value: "low"}).Eval(s); held || trace[0].Err != "" || trace[0].Got != "" {
		t.Errorf("no ticket: %+v", trace)
	}
	held, trace := (&Condition{Field: "hours", Op: Eq, Value: "open"}).Eval(s)
	if held || trace[0].Err == "" {
		t.Errorf("no hours: %+v", trace)
	}
}

func TestEvalErrors(t *testing.T) {
	s := snapshot()
	for _, c := range []Condition{
		{Field: "contact.age", Op: Eq, Value: "1"},
		{Field: "message.text", Op: "like", Value: "x"},
		{Field: "message.text", Op: Matches, Value: "a("},
		{Field: "hours.nowhere", Op: Eq, Value: "open"},
		{Field: "conversation.waiting", Op: Gt, Value: "ten"},
		{Field: "ticket.tags", Op: Gt, Value: "a"},
	} {
		held, trace := c.Eval(s)
		if held || len(trace) != 1 || trace[0].Err == "" || trace[0].Held {
			t.Errorf("%+v: %v %+v", c, held, trace)
		}
	}
	if held, trace := (&Condition{}).Eval(s); held || trace[0].Err == "" {
		t.Errorf("empty: %+v", trace)
	}
	var nilc *Condition
	if held, trace := nilc.Eval(s); !held || trace != nil {
		t.Errorf("nil: %v %+v", held, trace)
	}
}

func TestEvalGroups(t *testing.T) {
	s := snapshot()
	yes := Condition{Field: "conversation.first", Op: Eq, Value: "true"}
	no := Condition{Field: "conversation.first", Op: Eq, Value: "false"}
	c := Condition{All: []Condition{yes, {Any: []Condition{no, yes, no}}, {Not: &no}}}
	held, trace := c.Eval(s)
	if !held {
		t.Fatal("did not hold")
	}
	var paths []string
	for _, tr := range trace {
		paths = append(paths, tr.Path)
	}
	if got, want := strings.Join(paths, " "), "if.all[0] if.all[1].any[0] if.all[1].any[1] if.all[2].not"; got != want {
		t.Errorf("paths %s, want %s", got, want)
	}
	held, trace = (&Condition{All: []Condition{no, yes}}).Eval(s)
	if held || len(trace) != 1 {
		t.Errorf("all stops at the first false: %v %+v", held, trace)
	}
	if held, _ := (&Condition{Not: &yes}).Eval(s); held {
		t.Error("not of true held")
	}
}

// One condition is evaluated by many goroutines at once, each with its
// own snapshot (a Snapshot is for one goroutine at a time); both the
// pattern and the folded text are tested.
func TestEvalConcurrent(t *testing.T) {
	c := &Condition{Any: []Condition{{Field: "message.text", Op: Matches, Value: "(?i)^necesito"}, {Field: "message.text", Op: Contains, Value: "FÁCTURA"}}}
	texts := map[string]bool{"Necesito ayuda": true, "mi factura": true, "hola": false}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				for text, want := range texts {
					s := snapshot()
					s.Message = &conversation.Message{ID: "m1", Text: text}
					if held, _ := c.Eval(s); held != want {
						t.Errorf("%q: held %t, want %t", text, held, want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// A condition nested deeper than MaxConditionDepth does not hold, and its
// trace says why at the path where it is too deep; one at the limit is
// evaluated.
func TestEvalTooDeep(t *testing.T) {
	leaf := Condition{Field: "conversation.state", Op: Eq, Value: "open"}
	nest := func(n int) *Condition {
		c := leaf
		for range n {
			c = Condition{All: []Condition{c}}
		}
		return &c
	}
	s := snapshot()
	held, trace := nest(MaxConditionDepth).Eval(s)
	if !held || len(trace) != 1 || trace[0].Err != "" {
		t.Errorf("at the limit: held %t, trace %+v", held, trace)
	}
	held, trace = nest(MaxConditionDepth + 1).Eval(s)
	if held || len(trace) != 1 || trace[0].Err != "conditions nested too deep" || strings.Count(trace[0].Path, ".all[0]") != MaxConditionDepth+1 {
		t.Errorf("too deep: held %t, trace %+v", held, trace)
	}
	d := &Definition{Trigger: Trigger{On: OnConversationOpened}, If: nest(MaxConditionDepth + 1)}
	if Compile(d).Holds(&Snapshot{Event: ev(conversation.EventConversationOpened)}) {
		t.Error("Holds of a condition too deep")
	}
}

func TestNeeds(t *testing.T) {
	tests := []struct {
		json string
		want Needs
	}{
		{def(`{"on":"conversation.opened"}`, `{"do":"close"}`), Needs{}},
		{def(`{"on":"out_of_hours"}`, `{"do":"close"}`), Needs{Hours: true}},
		{`{"name":"w","trigger":{"on":"conversation.opened"},"if":{"all":[{"field":"message.text","op":"exists"},{"field":"contact.name","op":"exists"}]},"steps":[{"do":"close"}]}`, Needs{Message: true, Contact: true}},
		{`{"name":"w","trigger":{"on":"conversation.opened"},"if":{"not":{"field":"contact.channel","op":"exists"}},"steps":[{"do":"branch","if":{"any":[{"field":"ticket.tags","op":"exists"},{"field":"conversation.first","op":"eq","value":"true"},{"field":"hours.a","op":"eq","value":"open"}]}},{"do":"close"}]}`, Needs{Conversation: true, Ticket: true, First: true, Hours: true}},
		{`{"name":"w","trigger":{"on":"conversation.opened"},"if":{"field":"conversation.waiting","op":"gt","value":"1m"},"steps":[{"do":"close"}]}`, Needs{Conversation: true}},
	}
	for _, tt := range tests {
		d, err := Parse([]byte(tt.json), known)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Needs(); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.json, got, tt.want)
		}
	}
}
