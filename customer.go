package contactcenter

import (
	"context"
	"errors"
	"time"

	"github.com/telenet/contactcenter/command"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// command carries out a contact's command (R6): a new ticket, a switch to
// another open ticket, or the list of open tickets. The command and its
// answer, in the contact's language, are recorded in the contact's
// conversation. A switch to a ticket that does not exist, is another
// contact's or another workspace's gets one and the same answer, so that
// nothing leaks (R6.2). Everything the rule needs is loaded first;
// command.Apply then decides the whole change, answer texts included, and
// the step commits it.
func (r *receiveOp) command(ctx context.Context, tx store.Tx, s *step, found *store.InboundRecords, contact ticket.Contact,
	write conversation.Write, cmd command.Command, usage error, now time.Time) error {
	in, e := &r.in, r.e
	ws := in.Workspace
	ci := command.Input{
		Situation:         command.Situation{Command: cmd, Usage: usage, Workspace: ws, Contact: contact.ID},
		Settings:          r.ch.cfg.Settings.Commands,
		Language:          contact.Language,
		ContactExternalID: in.From.ExternalID,
		Said:              conversation.Message{ID: conversation.MessageID(e.newID()), Channel: in.Channel, ExternalID: in.ExternalID, Text: in.Text, Altered: r.altered},
		AnswerID:          conversation.MessageID(e.newID()),
		Conversation:      found.Open,
		HasConversation:   found.HasOpen,
	}
	if err := loadCommand(ctx, tx, &ci); err != nil {
		return err
	}
	switch out := ci.Decide(); {
	case out.Move == command.MoveNew:
		ci.NewTicket = ticket.ID(e.newID())
		ci.NewConversation = conversation.ID(e.newID())
	case out.Move == command.MoveSwitch:
		ci.NewConversation = conversation.ID(e.newID())
	case ci.NeedsTicket(): // a first message: a conversation on a new ticket (R9)
		ci.NewConversation = conversation.ID(e.newID())
		ci.NewTicket = ticket.ID(e.newID())
	}
	if ci.NeedsTicket() {
		n, err := tx.NextTicketNumber(ctx, ws)
		if err != nil {
			return err
		}
		ci.NewTicketNumber = n
	}

	ch, _, err := command.Apply(&ci, e.answers, now)
	if err != nil {
		return err
	}
	r.setContact(&ch, contact, write)
	if err := s.add(ctx, tx, &ch); err != nil {
		return err
	}
	r.res.Command = cmd.Kind
	r.res.Message = ch.Message
	r.res.Conversation = ch.Conversation
	r.res.Contact = contact
	r.res.Opened = ch.ConversationWrite == conversation.Create
	r.res.NewTicket = ch.TicketWrite == conversation.Create
	r.res.Answer = ch.Answer
	return nil
}

// loadCommand loads what command in needs besides the contact and their
// open conversation (R6): the ticket a switch names and whether another
// conversation holds it, the contact's latest conversation when the
// command stays and they have no open one, and their open tickets for the
// list.
func loadCommand(ctx context.Context, tx store.Tx, in *command.Input) error {
	ws := in.Workspace
	if in.Usage == nil && in.Command.Kind == command.Switch {
		t, err := tx.TicketByNumber(ctx, ws, in.Command.Number)
		switch {
		case err == nil:
			in.Target, in.HasTarget = t, true
			if _, err := tx.TicketConversation(ctx, ws, t.ID); err == nil {
				// A ticket being answered in another conversation of the
				// contact's (on another channel) stays there.
				in.TargetBusy = !in.HasConversation || t.ID != in.Conversation.Ticket
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	if in.NeedsLatest() {
		latest, err := tx.LatestConversation(ctx, ws, in.Said.Channel, in.Contact)
		switch {
		case err == nil:
			in.Latest, in.HasLatest = latest, true
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	if in.NeedsOpenTickets() {
		open, err := tx.OpenTickets(ctx, ws, in.Contact)
		if err != nil {
			return err
		}
		in.OpenTickets = open
	}
	return nil
}
