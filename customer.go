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
// nothing leaks (R6.2).
func (r *receiveOp) command(ctx context.Context, tx store.Tx, s *step, found *store.InboundRecords, contact ticket.Contact,
	write conversation.Write, cmd command.Command, usage error, now time.Time) error {
	in, e := &r.in, r.e
	ws, lang := in.Workspace, contact.Language
	settings := r.ch.cfg.Settings.Commands
	newWord, switchWord, listWord := settings.Words()
	said := conversation.Message{ID: conversation.MessageID(e.newID()), Channel: in.Channel, ExternalID: in.ExternalID, Text: in.Text, Altered: r.altered}
	answer := conversation.Message{ID: conversation.MessageID(e.newID())}
	move := conversation.Move{
		Workspace: ws, Contact: contact.ID, ContactExternalID: in.From.ExternalID,
		Current: found.Open, HasCurrent: found.HasOpen, Command: said,
	}

	// Load what the rule needs, then decide (R6).
	sit := command.Situation{Command: cmd, Usage: usage, Workspace: ws, Contact: contact.ID}
	if found.HasOpen {
		sit.Current = found.Open.Ticket
	}
	if usage == nil && cmd.Kind == command.Switch {
		t, err := tx.TicketByNumber(ctx, ws, cmd.Number)
		switch {
		case err == nil:
			sit.Target, sit.HasTarget = t, true
			if _, err := tx.TicketConversation(ctx, ws, t.ID); err == nil {
				// A ticket being answered in another conversation of the
				// contact's (on another channel) stays there.
				sit.TargetBusy = t.ID != sit.Current
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	out := command.Decide(sit)

	var (
		ch  conversation.Change
		err error
	)
	switch {
	case out.Move == command.MoveNew:
		var n ticket.Number
		if n, err = tx.NextTicketNumber(ctx, ws); err != nil {
			return err
		}
		if move.Ticket, err = ticket.New(ticket.ID(e.newID()), ws, n, contact.ID, cmd.Subject, now); err != nil {
			return err
		}
		move.NewTicket = true
		move.NewConversation = conversation.ID(e.newID())
		move.Answer = answer
		move.Answer.Text = e.answers.Text(lang, out.Answer, n.String())
		ch, err = conversation.MoveTo(&move, now)

	case out.Move == command.MoveSwitch:
		move.Ticket = sit.Target
		move.NewConversation = conversation.ID(e.newID())
		move.Answer = answer
		move.Answer.Text = e.answers.Text(lang, out.Answer, sit.Target.Number.String())
		ch, err = conversation.MoveTo(&move, now)

	case out.Answer == command.KeyUsage:
		answer.Text = e.answers.Text(lang, command.KeyUsage, switchWord, listWord)
		ch, err = r.inContext(ctx, tx, found, contact, said, answer, now)

	case out.Answer == command.KeyNotFound:
		answer.Text = e.answers.Text(lang, command.KeyNotFound, cmd.Number.String(), listWord)
		ch, err = r.inContext(ctx, tx, found, contact, said, answer, now)

	case out.Answer == command.KeyAlready, out.Answer == command.KeyElsewhere:
		answer.Text = e.answers.Text(lang, out.Answer, sit.Target.Number.String())
		ch, err = r.inContext(ctx, tx, found, contact, said, answer, now)

	default: // List (R6.3)
		var open []ticket.Ticket
		if open, err = tx.OpenTickets(ctx, ws, contact.ID); err != nil {
			return err
		}
		in := command.ListInput{Open: open, ShowSubject: settings.ShowSubject, SwitchWord: switchWord, NewWord: newWord}
		for i := range open {
			if found.HasOpen && open[i].ID == found.Open.Ticket {
				in.Current = &open[i]
			}
		}
		answer.Text = e.answers.List(lang, in)
		ch, err = r.inContext(ctx, tx, found, contact, said, answer, now)
		if err == nil && ch.TicketWrite == conversation.Create {
			// A contact's very first message opened a ticket: it is theirs now.
			in.Current = &ch.Ticket
			in.Open = append(in.Open, ch.Ticket)
			ch.Answer.Text = e.answers.List(lang, in)
		}
	}
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

// inContext records a command and its answer in the contact's open
// conversation, or else their latest one, left closed. A contact with no
// conversation at all gets one, as any first message does (R9).
func (r *receiveOp) inContext(ctx context.Context, tx store.Tx, found *store.InboundRecords, contact ticket.Contact,
	said, answer conversation.Message, now time.Time) (conversation.Change, error) {
	if found.HasOpen {
		return conversation.Command(&found.Open, said, answer, now)
	}
	in := &r.in
	latest, err := tx.LatestConversation(ctx, in.Workspace, in.Channel, contact.ID)
	if err == nil {
		return conversation.Command(&latest, said, answer, now)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return conversation.Change{}, err
	}
	st := conversation.InboundState{NewConversation: conversation.ID(r.e.newID()), NewTicket: ticket.ID(r.e.newID())}
	if st.NewTicketNumber, err = tx.NextTicketNumber(ctx, in.Workspace); err != nil {
		return conversation.Change{}, err
	}
	said.Kind = conversation.KindCommand
	ch, err := conversation.Receive(&st, &conversation.Inbound{Workspace: in.Workspace, Contact: contact.ID,
		ContactExternalID: in.From.ExternalID, Message: said}, now)
	if err != nil {
		return ch, err
	}
	return ch, ch.AddAnswer(answer, now)
}
