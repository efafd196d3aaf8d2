package conversation_test

import (
	"errors"
	"testing"

	cv "github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

func move() cv.Move {
	return cv.Move{
		Workspace: ws, Contact: "k", ContactExternalID: "chat",
		Current:    cv.Conversation{ID: "c1", Workspace: ws, Ticket: "t1", TicketNumber: 1, Channel: "tg", Contact: "k", State: cv.Open, Assignee: "ana", Version: 3},
		HasCurrent: true,
		Ticket:     ticket.Ticket{ID: "t2", Workspace: ws, Number: 2, Contact: "k", Subject: "s", Status: ticket.Open, Version: 1},
		NewTicket:  true, NewConversation: "c2",
		Command: cv.Message{ID: "m1", Channel: "tg", ExternalID: "u9", Text: "/new s"},
		Answer:  cv.Message{ID: "m2", Text: "Ticket #2 is open."},
	}
}

// R6.1: a new ticket closes the current conversation and opens one on the
// new ticket, waiting, with the command and the answer in it.
func TestMoveToNewTicket(t *testing.T) {
	m := move()
	before := m
	ch, err := cv.MoveTo(&m, now)
	if err != nil {
		t.Fatal(err)
	}
	if ch.TicketWrite != cv.Create || ch.Ticket.ID != "t2" {
		t.Errorf("ticket %v %+v", ch.TicketWrite, ch.Ticket)
	}
	if ch.PreviousWrite != cv.Update || ch.Previous.State != cv.Closed || ch.Previous.CloseReason != cv.ReasonNewTicket ||
		ch.Previous.Assignee != "" || ch.Previous.Version != 4 {
		t.Errorf("previous %v %+v", ch.PreviousWrite, ch.Previous)
	}
	c := ch.Conversation
	if ch.ConversationWrite != cv.Create || c.ID != "c2" || c.Ticket != "t2" || c.TicketNumber != 2 || !c.Waiting() || c.Channel != "tg" || c.ContactExternalID != "chat" {
		t.Errorf("conversation %v %+v", ch.ConversationWrite, c)
	}
	if ch.MessageWrite != cv.Create || ch.Message.Kind != cv.KindCommand || ch.Message.Conversation != "c2" || ch.Message.Direction != cv.FromContact {
		t.Errorf("command %+v", ch.Message)
	}
	if ch.AnswerWrite != cv.Create || ch.Answer.Author.Kind != cv.AuthorSystem || ch.Answer.Delivery != cv.DeliveryPending || ch.Answer.Conversation != "c2" {
		t.Errorf("answer %+v", ch.Answer)
	}
	wantEvents(t, &ch, cv.EventConversationClosed, cv.EventTicketOpened, cv.EventConversationOpened, cv.EventMessageReceived, cv.EventMessageQueued)
	if e := ch.Events()[0]; e.Conversation != "c1" || e.Reason != cv.ReasonNewTicket || e.Previous != "ana" {
		t.Errorf("closed event %+v", e)
	}
	if m.Current != before.Current || m.Ticket.ID != before.Ticket.ID {
		t.Error("the input changed")
	}
}

// R6.2: a switch to an existing ticket creates no ticket.
func TestMoveToSwitch(t *testing.T) {
	m := move()
	m.NewTicket = false
	m.Ticket.Version = 5
	ch, err := cv.MoveTo(&m, now)
	if err != nil {
		t.Fatal(err)
	}
	if ch.TicketWrite != cv.Update || ch.Ticket.Version != 6 || ch.Previous.CloseReason != cv.ReasonSwitched {
		t.Errorf("ticket %v v%d, %v: want the ticket written with version+1", ch.TicketWrite, ch.Ticket.Version, ch.Previous.CloseReason)
	}
	wantEvents(t, &ch, cv.EventConversationClosed, cv.EventConversationOpened, cv.EventMessageReceived, cv.EventMessageQueued)

	m.HasCurrent = false
	ch, err = cv.MoveTo(&m, now)
	if err != nil || ch.PreviousWrite != cv.Keep {
		t.Errorf("without a current conversation: %v %v", err, ch.PreviousWrite)
	}
}

func TestMoveToRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		mut  func(*cv.Move)
		want error
	}{
		"another contact's ticket": {func(m *cv.Move) { m.Ticket.Contact = "other" }, cv.ErrInvalid},
		"another workspace":        {func(m *cv.Move) { m.Ticket.Workspace = "x" }, cv.ErrInvalid},
		"closed ticket":            {func(m *cv.Move) { m.Ticket.Status = ticket.Closed }, ticket.ErrClosed},
		"already there":            {func(m *cv.Move) { m.Current.Ticket = "t2" }, cv.ErrInvalid},
		"closed current":           {func(m *cv.Move) { m.Current.State = cv.Closed }, cv.ErrClosed},
		"no conversation id":       {func(m *cv.Move) { m.NewConversation = "" }, cv.ErrInvalid},
		"no command id":            {func(m *cv.Move) { m.Command.ExternalID = "" }, cv.ErrInvalid},
		"empty answer":             {func(m *cv.Move) { m.Answer.Text = "" }, cv.ErrInvalid},
		"new ticket not new":       {func(m *cv.Move) { m.Ticket.Version = 2 }, cv.ErrInvalid},
	} {
		m := move()
		tc.mut(&m)
		ch, err := cv.MoveTo(&m, now)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
		if !ch.Empty() {
			t.Errorf("%s: a refused move changes something", name)
		}
	}
}

// R6.3: a command answered in a conversation, even a closed one, leaves the
// conversation as it is.
func TestCommandRecorded(t *testing.T) {
	c := cv.Conversation{ID: "c1", Workspace: ws, Ticket: "t1", Channel: "tg", State: cv.Closed, Version: 7}
	ch, err := cv.Command(&c, cv.Message{ID: "m1", ExternalID: "u1", Text: "/tickets"}, cv.Message{ID: "m2", Text: "list"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if ch.ConversationWrite != cv.Keep || ch.Message.Conversation != "c1" || ch.Answer.Conversation != "c1" || ch.Message.Kind != cv.KindCommand {
		t.Errorf("%+v", ch)
	}
	wantEvents(t, &ch, cv.EventMessageReceived, cv.EventMessageQueued)
	var empty cv.Change
	if err := empty.AddAnswer(cv.Message{ID: "m3", Text: "x"}, now); !errors.Is(err, cv.ErrInvalid) {
		t.Errorf("an answer without a conversation: %v", err)
	}
}
