package command

import (
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// Input is everything a contact's command needs, as the engine loaded it
// (R6): the Situation that Decide reads, and what carrying out its Outcome
// takes. The engine fills the Situation and Conversation first, then what
// NeedsLatest, NeedsTicket and NeedsOpenTickets ask for, and Apply decides
// with no store.
type Input struct {
	// Situation is what Decide reads. Its Current is taken from
	// Conversation.
	Situation
	// Settings are the channel's commands: their words, which the answers
	// name, and whether the list shows subjects (R6.4).
	Settings channel.Commands
	// Language is the contact's, for the answer.
	Language string
	// ContactExternalID is the contact's id on the channel.
	ContactExternalID string
	// Said is the contact's message that carried the command (ID, Channel,
	// ExternalID, Text, Altered); AnswerID is the id of the answer.
	Said     conversation.Message
	AnswerID conversation.MessageID
	// Conversation is the contact's open conversation on the channel, if
	// HasConversation.
	Conversation    conversation.Conversation
	HasConversation bool
	// Latest is the contact's latest conversation on the channel, if
	// HasLatest: where a command that moves nothing is recorded when the
	// contact has no open one (NeedsLatest).
	Latest    conversation.Conversation
	HasLatest bool
	// OpenTickets are the contact's open tickets, for the list
	// (NeedsOpenTickets). A ticket in it that is not one of the contact's
	// open tickets in the workspace is never shown (R6.2: nothing leaks).
	OpenTickets []ticket.Ticket
	// NewConversation is the id of the conversation the command opens, on
	// a move or as a contact's first message; NewTicket and NewTicketNumber
	// are those of the ticket it opens (NeedsTicket).
	NewConversation conversation.ID
	NewTicket       ticket.ID
	NewTicketNumber ticket.Number
}

// Decide applies Decide to in's Situation, with the ticket of in's open
// conversation as the current one.
func (in *Input) Decide() Outcome {
	s := in.Situation
	s.Current = ""
	if in.HasConversation {
		s.Current = in.Conversation.Ticket
	}
	return Decide(s)
}

// NeedsLatest reports whether the command is recorded in the contact's
// latest conversation, which the engine then loads into Latest: it moves
// nothing and the contact has no open conversation.
func (in *Input) NeedsLatest() bool {
	return in.Decide().Move == Stay && !in.HasConversation
}

// NeedsTicket reports whether the command opens a ticket, for which the
// engine reserves NewTicket and NewTicketNumber: a new ticket (R6.1), or a
// command that is the contact's first message on the channel, which opens
// a conversation on a new ticket as any first message does (R9). Latest
// must be loaded first (NeedsLatest).
func (in *Input) NeedsTicket() bool {
	switch in.Decide().Move {
	case MoveNew:
		return true
	case Stay:
		return !in.HasConversation && !in.HasLatest
	}
	return false
}

// NeedsOpenTickets reports whether the answer lists the contact's open
// tickets (R6.3), which the engine then loads into OpenTickets.
func (in *Input) NeedsOpenTickets() bool {
	out := in.Decide()
	return out.Move == Stay && out.Answer == ""
}

// Apply applies R6 to the contact's command in, with the answers' texts of
// a, and returns the whole change, the answer's final text in the
// contact's language included, and the outcome (Decide):
//
//   - a new ticket (R6.1) or a switch to another of the contact's open
//     tickets (R6.2) closes the open conversation and opens one on that
//     ticket (conversation.MoveTo), with the command and the answer in it;
//   - any other command is recorded with its answer in the contact's open
//     conversation, or else their latest one, left as it is
//     (conversation.Command); a contact with no conversation at all gets
//     one, on a new ticket, as any first message does (R9), and that ticket
//     heads their list (R6.3).
//
// A switch to a ticket that does not exist, is another contact's, another
// workspace's or closed gets one and the same answer, and the list shows
// the contact's own open tickets only: nothing leaks (R6.2).
func Apply(in *Input, a *Answers, now time.Time) (conversation.Change, Outcome, error) {
	out := in.Decide()
	newWord, switchWord, listWord := in.Settings.Words()
	answer := conversation.Message{ID: in.AnswerID}
	var (
		ch  conversation.Change
		err error
	)
	switch {
	case out.Move == MoveNew:
		var t ticket.Ticket
		if t, err = ticket.New(in.NewTicket, in.Workspace, in.NewTicketNumber, in.Contact, in.Command.Subject, now); err != nil {
			return conversation.Change{}, out, err
		}
		answer.Text = a.Text(in.Language, KeyOpened, t.Number.String())
		ch, err = conversation.MoveTo(in.move(t, true, answer), now)
	case out.Move == MoveSwitch:
		answer.Text = a.Text(in.Language, KeySwitched, in.Target.Number.String())
		ch, err = conversation.MoveTo(in.move(in.Target, false, answer), now)
	case out.Answer == KeyUsage:
		ch, err = in.stay(answer, func(*ticket.Ticket) string { return a.Text(in.Language, KeyUsage, switchWord, listWord) }, now)
	case out.Answer == KeyNotFound:
		// The number as the contact wrote it: nothing of the ticket, if one
		// has it (R6.2).
		ch, err = in.stay(answer, func(*ticket.Ticket) string {
			return a.Text(in.Language, KeyNotFound, in.Command.Number.String(), listWord)
		}, now)
	case out.Answer == KeyAlready, out.Answer == KeyElsewhere:
		ch, err = in.stay(answer, func(*ticket.Ticket) string { return a.Text(in.Language, out.Answer, in.Target.Number.String()) }, now)
	default: // List (R6.3)
		ch, err = in.stay(answer, func(opened *ticket.Ticket) string { return in.list(a, opened, switchWord, newWord) }, now)
	}
	if err != nil {
		return conversation.Change{}, out, err
	}
	return ch, out, nil
}

// move is the contact's move to ticket t (a new one if isNew).
func (in *Input) move(t ticket.Ticket, isNew bool, answer conversation.Message) *conversation.Move {
	return &conversation.Move{
		Workspace: in.Workspace, Contact: in.Contact, ContactExternalID: in.ContactExternalID,
		Current: in.Conversation, HasCurrent: in.HasConversation,
		Ticket: t, NewTicket: isNew, NewConversation: in.NewConversation,
		Command: in.Said, Answer: answer,
	}
}

// stay records the command and its answer, whose text text gives, in the
// contact's open conversation, or else their latest one; with neither, the
// command opens a conversation on a new ticket (R9), which text is given.
func (in *Input) stay(answer conversation.Message, text func(opened *ticket.Ticket) string, now time.Time) (conversation.Change, error) {
	switch {
	case in.HasConversation:
		answer.Text = text(nil)
		return conversation.Command(&in.Conversation, in.Said, answer, now)
	case in.HasLatest:
		answer.Text = text(nil)
		return conversation.Command(&in.Latest, in.Said, answer, now)
	}
	st := conversation.InboundState{NewConversation: in.NewConversation, NewTicket: in.NewTicket, NewTicketNumber: in.NewTicketNumber}
	said := in.Said
	said.Kind = conversation.KindCommand
	ch, err := conversation.Receive(&st, &conversation.Inbound{Workspace: in.Workspace, Contact: in.Contact,
		ContactExternalID: in.ContactExternalID, Message: said}, now)
	if err != nil {
		return ch, err
	}
	var opened *ticket.Ticket
	if ch.TicketWrite == conversation.Create {
		opened = &ch.Ticket
	}
	answer.Text = text(opened)
	return ch, ch.AddAnswer(answer, now)
}

// list is the answer to the list command (R6.3): the contact's open
// tickets, the current one (or the one their command just opened) at the
// head. Tickets that are not the contact's own open ones are left out.
func (in *Input) list(a *Answers, opened *ticket.Ticket, switchWord, newWord string) string {
	l := ListInput{ShowSubject: in.Settings.ShowSubject, SwitchWord: switchWord, NewWord: newWord,
		Open: make([]ticket.Ticket, 0, len(in.OpenTickets)+1)}
	for _, t := range in.OpenTickets {
		if t.Workspace == in.Workspace && t.Contact == in.Contact && t.Status == ticket.Open {
			l.Open = append(l.Open, t)
		}
	}
	if opened != nil {
		l.Open = append(l.Open, *opened)
		l.Current = opened
	} else if in.HasConversation {
		for i := range l.Open {
			if l.Open[i].ID == in.Conversation.Ticket {
				l.Current = &l.Open[i]
			}
		}
	}
	return a.List(in.Language, l)
}
