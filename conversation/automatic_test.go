package conversation_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	cv "github.com/telenet/contactcenter/conversation"
)

// textOf is a conversation.Text that shows what it is made for: the
// change's ticket number and conversation, or a fixed blank.
type textOf string

func (t textOf) Text(ch *cv.Change) string {
	if t == "blank" {
		return " \n\t"
	}
	return fmt.Sprintf("%s #%d %s", string(t), ch.Conversation.TicketNumber, ch.Conversation.ID)
}

// R4 and R5, whole and with no store: Receive adds the welcome to a
// message that opens a conversation and the out-of-hours message while
// the channel is closed, with their final texts, made for the change
// itself (its new ticket and conversation), each pending for the channel
// with a message.queued event; the out-of-hours message is recorded, once
// per closed period. A text that renders blank is no message, and a blank
// out-of-hours message is not recorded as sent.
func TestReceiveAutomatic(t *testing.T) {
	office := hoursAt{9, 18}
	night := time.Date(2025, 3, 10, 22, 0, 0, 0, time.UTC)
	noon := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	nextMorning := time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC)
	both := cv.Automatic{Welcome: textOf("hi"), WelcomeID: "w1", OutOfHours: textOf("closed"), OutOfHoursID: "o1", Hours: office}

	first := func(a cv.Automatic, at time.Time) cv.Change {
		t.Helper()
		st := cv.InboundState{NewConversation: "c9", NewTicket: "t9", NewTicketNumber: 77}
		ch, err := cv.Receive(&st, &cv.Inbound{Workspace: ws, Contact: "k1", ContactExternalID: "555001", Automatic: a,
			Message: cv.Message{ID: "m1", Channel: "tg", ExternalID: "u1", Kind: cv.KindText, Text: "hola"}}, at)
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}
	joined := func(a cv.Automatic, until, at time.Time) cv.Change {
		t.Helper()
		c := waitingConv()
		c.OutOfHoursUntil = until
		st := cv.InboundState{Open: c, HasOpen: true}
		ch, err := cv.Receive(&st, &cv.Inbound{Workspace: ws, Contact: c.Contact, Automatic: a,
			Message: cv.Message{ID: "m2", Channel: c.Channel, ExternalID: "u2", Kind: cv.KindText, Text: "again"}}, at)
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}
	texts := func(ch *cv.Change) []string {
		var out []string
		for _, m := range ch.Automatic() {
			out = append(out, string(m.ID)+": "+m.Text)
		}
		return out
	}
	queued := func(ch *cv.Change) int {
		n := 0
		for _, e := range ch.Events() {
			if e.Type == cv.EventMessageQueued {
				n++
			}
		}
		return n
	}

	tests := []struct {
		name  string
		do    func() cv.Change
		want  []string
		until time.Time // the conversation's OutOfHoursUntil after the change
	}{
		{"opened in hours: the welcome", func() cv.Change { return first(both, noon) },
			[]string{"w1: hi #77 c9"}, time.Time{}},
		{"opened at night: the welcome, then the out-of-hours message", func() cv.Change { return first(both, night) },
			[]string{"w1: hi #77 c9", "o1: closed #77 c9"}, nextMorning},
		{"no messages set", func() cv.Change { return first(cv.Automatic{}, night) }, nil, time.Time{}},
		{"hours without an out-of-hours message", func() cv.Change {
			return first(cv.Automatic{Hours: office}, night)
		}, nil, time.Time{}},
		{"blank welcome: no message", func() cv.Change {
			return first(cv.Automatic{Welcome: textOf("blank"), WelcomeID: "w1"}, noon)
		}, nil, time.Time{}},
		{"blank out-of-hours message: none, and not recorded", func() cv.Change {
			a := both
			a.OutOfHours = textOf("blank")
			return first(a, night)
		}, []string{"w1: hi #77 c9"}, time.Time{}},
		{"joined at night", func() cv.Change { return joined(both, time.Time{}, night) },
			[]string{"o1: closed #1432 c1"}, nextMorning},
		{"joined, told this period already", func() cv.Change { return joined(both, nextMorning, night) },
			nil, nextMorning},
		{"joined, told in an earlier period", func() cv.Change {
			return joined(both, nextMorning.AddDate(0, 0, -1), night)
		}, []string{"o1: closed #1432 c1"}, nextMorning},
		{"joined in hours", func() cv.Change { return joined(both, time.Time{}, noon) }, nil, time.Time{}},
		{"never opens again", func() cv.Change {
			a := both
			a.Hours = never{}
			return joined(a, time.Time{}, night)
		}, []string{"o1: closed #1432 c1"}, cv.NeverOpens},
	}
	for _, tt := range tests {
		ch := tt.do()
		if got := texts(&ch); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: automatic %q, want %q", tt.name, got, tt.want)
		}
		if n := queued(&ch); n != len(tt.want) {
			t.Errorf("%s: %d message.queued events, want %d", tt.name, n, len(tt.want))
		}
		for _, m := range ch.Automatic() {
			if m.Author.Kind != cv.AuthorSystem || m.Direction != cv.ToContact || m.Delivery != cv.DeliveryPending || m.Conversation != ch.Conversation.ID {
				t.Errorf("%s: %s is %v %v %v in %q, want a system message pending to the contact in %q",
					tt.name, m.ID, m.Author.Kind, m.Direction, m.Delivery, m.Conversation, ch.Conversation.ID)
			}
		}
		if !ch.Conversation.OutOfHoursUntil.Equal(tt.until) {
			t.Errorf("%s: told until %v, want %v", tt.name, ch.Conversation.OutOfHoursUntil, tt.until)
		}
	}

	// An automatic message that is due needs its id: the decision fails
	// whole, with nothing added.
	st := cv.InboundState{NewConversation: "c9", NewTicket: "t9", NewTicketNumber: 77}
	_, err := cv.Receive(&st, &cv.Inbound{Workspace: ws, Contact: "k1", Automatic: cv.Automatic{Welcome: textOf("hi")},
		Message: cv.Message{ID: "m1", Channel: "tg", ExternalID: "u1", Kind: cv.KindText, Text: "hola"}}, noon)
	if !errors.Is(err, cv.ErrInvalid) {
		t.Errorf("a welcome without an id: %v, want ErrInvalid", err)
	}
}

// R4, R5: the plan known before the decision, from the inbound state, is
// the plan of the change Receive makes in that state.
func TestInboundStatePlanAutomatic(t *testing.T) {
	office := hoursAt{9, 18}
	night := time.Date(2025, 3, 10, 22, 0, 0, 0, time.UTC)
	nextMorning := time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC)
	open := waitingConv()
	told := waitingConv()
	told.OutOfHoursUntil = nextMorning
	tests := []struct {
		name string
		st   cv.InboundState
		want cv.AutomaticPlan
	}{
		{"opens", cv.InboundState{NewConversation: "c9", NewTicket: "t9", NewTicketNumber: 77},
			cv.AutomaticPlan{Welcome: true, OutOfHours: true, PeriodEnd: nextMorning}},
		{"joins", cv.InboundState{Open: open, HasOpen: true}, cv.AutomaticPlan{OutOfHours: true, PeriodEnd: nextMorning}},
		{"joins, told", cv.InboundState{Open: told, HasOpen: true}, cv.AutomaticPlan{}},
	}
	for _, tt := range tests {
		if got := tt.st.PlanAutomatic(true, office, night); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
		ch, err := cv.Receive(&tt.st, &cv.Inbound{Workspace: ws, Contact: "k1",
			Message: cv.Message{ID: "m1", Channel: "tg", ExternalID: "u1", Kind: cv.KindText, Text: "hola"}}, night)
		if err != nil {
			t.Fatal(err)
		}
		if got := cv.PlanAutomatic(&ch, true, office, night); got != tt.want {
			t.Errorf("%s: the change's plan %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
