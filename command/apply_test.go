package command_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/command"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

const (
	ws = ticket.WorkspaceID("acme")
	me = ticket.ContactID("k1")
)

var now = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// mine returns an open ticket of the contact's.
func mine(id ticket.ID, n ticket.Number, subject string) ticket.Ticket {
	return ticket.Ticket{ID: id, Workspace: ws, Number: n, Contact: me, Subject: subject, Status: ticket.Open, Version: 1}
}

// input returns the contact's command text, parsed, in their open
// conversation on ticket #1.
func input(t *testing.T, text, lang string) command.Input {
	t.Helper()
	set := channel.Commands{Enabled: true, ShowSubject: true}
	cmd, ok, usage := command.Parse(text, set, "bot")
	if !ok {
		t.Fatalf("%q is not a command", text)
	}
	return command.Input{
		Situation:         command.Situation{Command: cmd, Usage: usage, Workspace: ws, Contact: me},
		Settings:          set,
		Language:          lang,
		ContactExternalID: "555",
		Said:              conversation.Message{ID: "m1", Channel: "tg", ExternalID: "u1", Text: text},
		AnswerID:          "a1",
		Conversation: conversation.Conversation{ID: "c1", Workspace: ws, Ticket: "t1", TicketNumber: 1, Channel: "tg", Contact: me,
			ContactExternalID: "555", State: conversation.Open, Version: 3},
		HasConversation: true,
	}
}

func apply(t *testing.T, in *command.Input) (conversation.Change, command.Outcome) {
	t.Helper()
	ch, out, err := command.Apply(in, command.NewAnswers(), now)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return ch, out
}

// stays checks that ch records the command and its answer in conversation
// id and moves nothing.
func stays(t *testing.T, name string, ch *conversation.Change, id conversation.ID) {
	t.Helper()
	if ch.PreviousWrite != conversation.Keep || ch.TicketWrite != conversation.Keep || ch.ConversationWrite != conversation.Keep {
		t.Errorf("%s: the change moves the contact (previous %v, ticket %v, conversation %v)", name, ch.PreviousWrite, ch.TicketWrite, ch.ConversationWrite)
	}
	if ch.Message.Conversation != id || ch.Message.Kind != conversation.KindCommand || ch.Answer.Conversation != id || ch.AnswerWrite != conversation.Create {
		t.Errorf("%s: command in %q (%v), answer in %q; want both in %q", name, ch.Message.Conversation, ch.Message.Kind, ch.Answer.Conversation, id)
	}
}

// R6.1, whole and with no store: /new closes the open conversation and
// opens a ticket with its subject and a conversation on it, which holds
// the command and the answer, in the contact's language.
func TestApplyNewTicket(t *testing.T) {
	in := input(t, "/new Factura duplicada", "es-MX")
	if !in.NeedsTicket() || in.NeedsLatest() || in.NeedsOpenTickets() {
		t.Errorf("needs: ticket %v, latest %v, open tickets %v; want a ticket only", in.NeedsTicket(), in.NeedsLatest(), in.NeedsOpenTickets())
	}
	in.NewTicket, in.NewTicketNumber, in.NewConversation = "t9", 9, "c9"
	ch, out := apply(t, &in)
	if out != (command.Outcome{Answer: command.KeyOpened, Move: command.MoveNew}) {
		t.Errorf("outcome %+v", out)
	}
	if ch.PreviousWrite != conversation.Update || ch.Previous.ID != "c1" || ch.Previous.State != conversation.Closed || ch.Previous.CloseReason != conversation.ReasonNewTicket {
		t.Errorf("previous: %v %+v, want c1 closed for a new ticket", ch.PreviousWrite, ch.Previous)
	}
	if ch.TicketWrite != conversation.Create || ch.Ticket.ID != "t9" || ch.Ticket.Number != 9 || ch.Ticket.Subject != "Factura duplicada" || ch.Ticket.Contact != me {
		t.Errorf("ticket: %v %+v", ch.TicketWrite, ch.Ticket)
	}
	if ch.ConversationWrite != conversation.Create || ch.Conversation.ID != "c9" || ch.Conversation.Ticket != "t9" || !ch.Conversation.Waiting() {
		t.Errorf("conversation: %v %+v, want c9 waiting on t9", ch.ConversationWrite, ch.Conversation)
	}
	if want := "Se abrió el ticket #9. Escríbenos aquí y un agente te responderá."; ch.Answer.Text != want || ch.Answer.ID != "a1" || ch.Answer.Conversation != "c9" {
		t.Errorf("answer %q (%s in %s), want %q (a1 in c9)", ch.Answer.Text, ch.Answer.ID, ch.Answer.Conversation, want)
	}
	if ch.Message.ID != "m1" || ch.Message.Conversation != "c9" || ch.Message.Kind != conversation.KindCommand {
		t.Errorf("command message %+v", ch.Message)
	}
}

// R6.2, whole and with no store: a switch to another open ticket of the
// contact's moves there; to the current one, or to one answered in their
// conversation on another channel, it stays with an answer that says so;
// a malformed one gets the usage answer.
func TestApplySwitch(t *testing.T) {
	two := mine("t2", 2, "Factura")

	in := input(t, "/ticket 2", "en")
	in.Target, in.HasTarget, in.NewConversation = two, true, "c9"
	if in.NeedsTicket() || in.NeedsLatest() || in.NeedsOpenTickets() {
		t.Error("a switch needs nothing more")
	}
	ch, out := apply(t, &in)
	if out.Move != command.MoveSwitch || ch.Answer.Text != "You are now on ticket #2." {
		t.Errorf("switch: %+v, %q", out, ch.Answer.Text)
	}
	if ch.PreviousWrite != conversation.Update || ch.Previous.CloseReason != conversation.ReasonSwitched || ch.TicketWrite != conversation.Update ||
		ch.Ticket.Version != 2 || ch.ConversationWrite != conversation.Create || ch.Conversation.Ticket != "t2" || ch.Answer.Conversation != "c9" {
		t.Errorf("switch change: previous %v %v, ticket %v v%d, conversation %v on %s", ch.PreviousWrite, ch.Previous.CloseReason,
			ch.TicketWrite, ch.Ticket.Version, ch.ConversationWrite, ch.Conversation.Ticket)
	}

	tests := []struct {
		name, text string
		target     ticket.Ticket
		busy       bool
		want       string
	}{
		{"the current ticket", "/ticket 1", mine("t1", 1, ""), false, "You are already on ticket #1."},
		{"answered elsewhere", "/ticket 2", two, true, "Ticket #2 is open in your conversation on another channel: please continue it there."},
		{"no number", "/ticket", ticket.Ticket{}, false,
			"To change tickets, send /ticket and the ticket number, for example: /ticket 1432. Send /tickets to see your open tickets."},
	}
	for _, tt := range tests {
		in := input(t, tt.text, "en")
		in.Target, in.HasTarget, in.TargetBusy = tt.target, tt.target.ID != "", tt.busy
		ch, _ := apply(t, &in)
		if ch.Answer.Text != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, ch.Answer.Text, tt.want)
		}
		stays(t, tt.name, &ch, "c1")
	}
}

// R6.2: a switch to a ticket that does not exist, is another contact's,
// another workspace's or closed gets one and the same answer and one and
// the same change: nothing tells them apart, nothing of the ticket shows.
func TestApplySwitchLeaksNothing(t *testing.T) {
	theirs := ticket.Ticket{ID: "t7", Workspace: ws, Number: 7, Contact: "k2", Subject: "secreto de otro", Status: ticket.Open}
	otherWS := theirs
	otherWS.Workspace, otherWS.Contact = "other", me
	closed := mine("t7", 7, "cerrado")
	closed.Status = ticket.Closed

	var first *conversation.Change
	for name, target := range map[string]*ticket.Ticket{"no such ticket": nil, "another contact's": &theirs, "another workspace's": &otherWS, "closed": &closed} {
		in := input(t, "/ticket 7", "es")
		if target != nil {
			in.Target, in.HasTarget = *target, true
		}
		in.NewConversation = "c9" // reserved, never used
		ch, out := apply(t, &in)
		if out != (command.Outcome{Answer: command.KeyNotFound}) {
			t.Errorf("%s: outcome %+v", name, out)
		}
		if want := "El ticket #7 no es uno de tus tickets abiertos. Envía /tickets para verlos."; ch.Answer.Text != want {
			t.Errorf("%s: %q, want %q", name, ch.Answer.Text, want)
		}
		if strings.Contains(ch.Answer.Text, "secreto") || strings.Contains(ch.Answer.Text, "cerrado") {
			t.Errorf("%s: the answer shows the ticket: %q", name, ch.Answer.Text)
		}
		stays(t, name, &ch, "c1")
		if first == nil {
			first = &ch
		} else if !reflect.DeepEqual(*first, ch) {
			t.Errorf("%s: the change differs from another not-found one:\n%+v\n%+v", name, ch, *first)
		}
	}
}

// R6.3, R6.4, whole and with no store: the list shows the contact's own
// open tickets, the current one at the head and set apart, subjects beside
// numbers; a ticket of anyone else's, another workspace's or closed never
// shows, even when it is given.
func TestApplyList(t *testing.T) {
	in := input(t, "/tickets", "en")
	if !in.NeedsOpenTickets() || in.NeedsLatest() || in.NeedsTicket() {
		t.Error("the list needs the open tickets only")
	}
	theirs := ticket.Ticket{ID: "t7", Workspace: ws, Number: 7, Contact: "k2", Subject: "secreto de otro", Status: ticket.Open}
	otherWS := mine("t8", 8, "otro espacio")
	otherWS.Workspace = "other"
	closed := mine("t3", 3, "cerrado")
	closed.Status = ticket.Closed
	in.OpenTickets = []ticket.Ticket{mine("t2", 2, "Factura"), theirs, mine("t1", 1, "Pedido"), otherWS, closed}
	ch, out := apply(t, &in)
	if out != (command.Outcome{}) {
		t.Errorf("outcome %+v", out)
	}
	want := "Current ticket:\n#1 — Pedido\n\nYour other open ticket:\n#2 — Factura\n\nSend /ticket and a number to change tickets, or /new to open a new one."
	if ch.Answer.Text != want {
		t.Errorf("list:\n%s\nwant:\n%s", ch.Answer.Text, want)
	}
	for _, leak := range []string{"#7", "secreto", "#8", "otro espacio", "#3", "cerrado"} {
		if strings.Contains(ch.Answer.Text, leak) {
			t.Errorf("the list shows %q: %q", leak, ch.Answer.Text)
		}
	}
	stays(t, "list", &ch, "c1")
}

// R6.3 and R9: a contact with no open conversation has the command
// recorded in their latest one, left closed; a contact with no
// conversation at all gets one on a new ticket, which heads their list.
func TestApplyListWithoutConversation(t *testing.T) {
	in := input(t, "/tickets", "en")
	in.Conversation, in.HasConversation = conversation.Conversation{}, false
	if !in.NeedsLatest() {
		t.Fatal("without an open conversation the latest one is needed")
	}
	latest := conversation.Conversation{ID: "c0", Workspace: ws, Ticket: "t1", TicketNumber: 1, Channel: "tg", Contact: me, State: conversation.Closed, Version: 5}
	in.Latest, in.HasLatest = latest, true
	if in.NeedsTicket() {
		t.Error("a latest conversation: no ticket needed")
	}
	in.OpenTickets = []ticket.Ticket{mine("t2", 2, "Factura")}
	ch, _ := apply(t, &in)
	stays(t, "latest", &ch, "c0")
	if want := "Your open ticket:\n#2 — Factura\n\nSend /ticket and a number to change tickets, or /new to open a new one."; ch.Answer.Text != want {
		t.Errorf("list in the latest conversation:\n%s\nwant:\n%s", ch.Answer.Text, want)
	}

	in.Latest, in.HasLatest, in.OpenTickets = conversation.Conversation{}, false, nil
	if !in.NeedsTicket() {
		t.Fatal("a first message needs a ticket")
	}
	in.NewConversation, in.NewTicket, in.NewTicketNumber = "c9", "t9", 9
	ch, _ = apply(t, &in)
	if ch.TicketWrite != conversation.Create || ch.ConversationWrite != conversation.Create || ch.Message.Conversation != "c9" || ch.Answer.Conversation != "c9" {
		t.Errorf("first message: ticket %v, conversation %v, command in %q, answer in %q", ch.TicketWrite, ch.ConversationWrite, ch.Message.Conversation, ch.Answer.Conversation)
	}
	if ch.Ticket.Subject != "" {
		t.Errorf("a command is no subject: %q", ch.Ticket.Subject)
	}
	if want := "Current ticket:\n#9\n\nYou have no other open tickets.\n\nSend /ticket and a number to change tickets, or /new to open a new one."; ch.Answer.Text != want {
		t.Errorf("list of a first message:\n%s\nwant:\n%s", ch.Answer.Text, want)
	}
}

// A decision that cannot be made is an error, and no change.
func TestApplyRefuses(t *testing.T) {
	in := input(t, "/new", "en")
	in.NewTicket, in.NewTicketNumber = "t9", 9 // no conversation id
	ch, _, err := command.Apply(&in, command.NewAnswers(), now)
	if err == nil || !ch.Empty() {
		t.Errorf("a move without a conversation id: %v, empty change %v", err, ch.Empty())
	}
}
