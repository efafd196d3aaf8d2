package conversation

import (
	"fmt"
	"time"

	"github.com/telenet/contactcenter/ticket"
)

// Reasons for closing a conversation on a contact's command (R6).
const (
	// ReasonNewTicket: the contact opened a new ticket (R6.1).
	ReasonNewTicket CloseReason = "new_ticket"
	// ReasonSwitched: the contact moved to another of their tickets (R6.2).
	ReasonSwitched CloseReason = "switched"
)

// Move is a contact's move to a ticket by command: a new one (R6.1) or
// another of their open tickets (R6.2).
type Move struct {
	Workspace         ticket.WorkspaceID
	Contact           ticket.ContactID
	ContactExternalID string
	// Current is the contact's open conversation on the channel, closed by
	// the move, if HasCurrent.
	Current    Conversation
	HasCurrent bool
	// Ticket is the ticket moved to: an open ticket of the contact's, or a
	// new one (NewTicket) that the move creates.
	Ticket    ticket.Ticket
	NewTicket bool
	// NewConversation is the id of the conversation the move opens.
	NewConversation ID
	// Command is the contact's command (ID, Channel, ExternalID, Text);
	// Answer the reply to send (ID, Text). Both are recorded in the new
	// conversation, so agents see what happened.
	Command Message
	Answer  Message
}

// MoveTo applies R6.1 and R6.2: the current conversation, if any, closes
// with ReasonNewTicket or ReasonSwitched; a conversation opens on the
// ticket and waits in the queue, as a contact's new conversation does
// (R9); the command and its answer are recorded in it. The old ticket stays
// open.
func MoveTo(m *Move, now time.Time) (Change, error) {
	var ch Change
	t := m.Ticket
	switch {
	case m.NewConversation == "" || m.Contact == "" || m.Workspace == "":
		return ch, fmt.Errorf("%w: move without conversation id, contact or workspace", ErrInvalid)
	case t.Workspace != m.Workspace || t.Contact != m.Contact:
		return ch, fmt.Errorf("%w: ticket #%d is not the contact's", ErrInvalid, t.Number)
	case t.Status != ticket.Open:
		return ch, fmt.Errorf("ticket #%d: %w", t.Number, ticket.ErrClosed)
	case m.HasCurrent && m.Current.Ticket == t.ID:
		return ch, fmt.Errorf("%w: conversation %q is already on ticket #%d", ErrInvalid, m.Current.ID, t.Number)
	case m.HasCurrent && m.Current.State != Open:
		return ch, fmt.Errorf("conversation %q: %w", m.Current.ID, ErrClosed)
	}
	reason := ReasonSwitched
	if !m.NewTicket {
		// Written, though unchanged but for its version, so that closing
		// the ticket at the same moment collides with the switch.
		t.Version++
		ch.setTicket(t, Update)
	}
	if m.NewTicket {
		reason = ReasonNewTicket
		if t.Version != 1 {
			return Change{}, fmt.Errorf("%w: a new ticket must have version 1", ErrInvalid)
		}
		ch.setTicket(t, Create)
	}
	if m.HasCurrent {
		old := closed(&m.Current, AsContact(m.Contact), reason, ClosingNote{}, now)
		ch.Previous, ch.PreviousWrite = old, Update
		ch.emit(EventConversationClosed, &old, now, Event{Previous: m.Current.Assignee, Reason: reason})
	}
	cv := opened(m.NewConversation, &t, m.Command.Channel, m.Contact, m.ContactExternalID, now)
	ch.setConversation(cv, Create)
	if m.NewTicket {
		ch.emit(EventTicketOpened, &cv, now, Event{})
	}
	ch.emit(EventConversationOpened, &cv, now, Event{})
	if err := ch.record(&cv, m.Command, m.Answer, now); err != nil {
		return Change{}, err
	}
	return ch, nil
}

// Command records a contact's command and the answer to it in conversation
// c, which may be closed: the contact's latest conversation when they have
// no open one (R6.2, R6.3). The conversation itself does not change, and
// the command does not count as activity between contact and agent.
func Command(c *Conversation, cmd, answer Message, now time.Time) (Change, error) {
	var ch Change
	if err := ch.record(c, cmd, answer, now); err != nil {
		return Change{}, err
	}
	return ch, nil
}

// AddAnswer adds to ch, whose conversation is set, an automatic answer to
// the contact: a system message, pending for the channel (R18).
func (ch *Change) AddAnswer(answer Message, now time.Time) error {
	if ch.ConversationWrite == Keep && ch.Conversation.ID == "" {
		return fmt.Errorf("%w: an answer needs a conversation", ErrInvalid)
	}
	if ch.AnswerWrite != Keep {
		return fmt.Errorf("%w: the change has an answer already; add further messages with AddAutomatic", ErrInvalid)
	}
	a, err := systemMessage(&ch.Conversation, answer, now)
	if err != nil {
		return err
	}
	ch.Answer, ch.AnswerWrite = a, Create
	ch.emit(EventMessageQueued, &ch.Conversation, now, Event{Message: a.ID})
	return nil
}

// record stores the command message and its answer in conversation c.
func (ch *Change) record(c *Conversation, cmd, answer Message, now time.Time) error {
	cmd.Kind = KindCommand
	Clean(&cmd)
	if err := validateContent(&cmd); err != nil {
		return err
	}
	if cmd.ID == "" || cmd.ExternalID == "" {
		return fmt.Errorf("%w: command without id or the channel's message id (R18)", ErrInvalid)
	}
	cmd.place(c, FromContact, Author{Kind: AuthorContact}, now)
	ch.Conversation = *c
	ch.setMessage(cmd, Create)
	ch.emit(EventMessageReceived, c, now, Event{Message: cmd.ID, Altered: cmd.Altered})
	return ch.AddAnswer(answer, now)
}

// systemMessage returns an automatic text message to the contact in
// conversation c, pending for the channel.
func systemMessage(c *Conversation, m Message, now time.Time) (Message, error) {
	m.Kind = KindText
	if err := validateContent(&m); err != nil {
		return m, err
	}
	if m.ID == "" {
		return m, fmt.Errorf("%w: answer without id", ErrInvalid)
	}
	m.place(c, ToContact, Author{Kind: AuthorSystem}, now)
	return m, nil
}
