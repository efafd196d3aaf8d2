package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// Reply is an agent's reply for Engine.Reply.
type Reply struct {
	Workspace    ticket.WorkspaceID
	Conversation conversation.ID
	Agent        conversation.AgentID
	// ID, if set, is the new message's id, chosen by the host: a reply
	// made again with the same id returns the stored message and sends
	// nothing new, so a host can retry without doubling (R18).
	ID conversation.MessageID
	// Kind defaults to conversation.KindText.
	Kind        conversation.Kind
	Text        string
	Attachments []conversation.Attachment
}

// Reply stores an agent's reply and sends it (R10, R18). If the
// conversation is unassigned the agent becomes its assignee; a reply to a
// conversation assigned to another agent is sent without taking it over.
// The message is stored as pending before the channel is asked to send it;
// the returned message shows the delivery state after that first attempt. A
// channel failure does not fail Reply: the message stays pending and
// DeliverPending (or Run) tries it again.
func (e *Engine) Reply(ctx context.Context, r Reply) (conversation.Message, error) {
	const op = "reply"
	if r.Kind == 0 {
		r.Kind = conversation.KindText
	}
	var msg conversation.Message
	err := e.update(ctx, op, func(tx store.Tx) error {
		c, err := loadConversation(ctx, tx, r.Workspace, r.Conversation)
		if err != nil {
			return err
		}
		if r.ID != "" {
			prev, err := tx.Message(ctx, r.Workspace, r.ID)
			switch {
			case err == nil && prev.Conversation == r.Conversation && prev.Author.Agent == r.Agent:
				msg = prev // made before: the same reply
				return nil
			case err == nil:
				return fmt.Errorf("%w: message id %q is taken", conversation.ErrInvalid, r.ID)
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		a, err := loadAgent(ctx, tx, r.Workspace, r.Agent)
		if err != nil {
			return err
		}
		b, err := e.channel(c.Workspace, c.Channel)
		if err != nil {
			return err
		}
		if err := fits(b.caps, r.Kind, r.Text, r.Attachments); err != nil {
			return err
		}
		id := r.ID
		if id == "" {
			id = conversation.MessageID(e.newID())
		}
		m := conversation.Message{
			ID:          id,
			Kind:        r.Kind,
			Text:        r.Text,
			Attachments: r.Attachments,
		}
		ch, err := conversation.Reply(&c, &a, m, e.now())
		if err != nil {
			return err
		}
		msg = ch.Message
		return e.commit(ctx, tx, &ch)
	})
	if err != nil {
		return conversation.Message{}, err
	}
	if msg.Delivery == conversation.DeliveryPending {
		msg, _ = e.deliver(ctx, msg)
	}
	return msg, nil
}

// fits checks outbound content against a channel's capabilities (R13).
func fits(caps channel.Capabilities, kind conversation.Kind, text string, atts []conversation.Attachment) error {
	if caps.MaxTextLen > 0 && utf8.RuneCountInString(text) > caps.MaxTextLen {
		return fmt.Errorf("%w: text of %d characters, the channel takes %d", channel.ErrTooLarge, utf8.RuneCountInString(text), caps.MaxTextLen)
	}
	if len(atts) > 1 {
		return fmt.Errorf("%w: %d attachments; send one per message", channel.ErrUnsupported, len(atts))
	}
	for _, a := range atts {
		voice := kind == conversation.KindVoice && caps.Voice
		if !voice && !caps.Files {
			return fmt.Errorf("%w: the channel cannot carry %s attachments", channel.ErrUnsupported, kind)
		}
		if caps.MaxFileSize > 0 && a.Size > caps.MaxFileSize {
			return fmt.Errorf("%w: attachment %q of %d bytes, the channel takes %d", channel.ErrTooLarge, a.Name, a.Size, caps.MaxFileSize)
		}
	}
	return nil
}

// notFoundAs turns the store's ErrNotFound into the domain's sentinel for
// what was looked up; other errors pass unchanged.
func notFoundAs(err, sentinel error, what string, id any) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s %v: %w", what, id, sentinel)
	}
	return err
}

func loadConversation(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, id conversation.ID) (conversation.Conversation, error) {
	c, err := tx.Conversation(ctx, ws, id)
	return c, notFoundAs(err, conversation.ErrNotFound, "conversation", id)
}

func loadAgent(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, id conversation.AgentID) (conversation.Agent, error) {
	a, err := tx.Agent(ctx, ws, id)
	return a, notFoundAs(err, conversation.ErrAgentNotFound, "agent", id)
}

func loadTicket(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, id ticket.ID) (ticket.Ticket, error) {
	t, err := tx.Ticket(ctx, ws, id)
	return t, notFoundAs(err, ticket.ErrNotFound, "ticket", id)
}

// actor returns who acts: the host when by is empty, else the agent by.
func actor(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, by conversation.AgentID) (conversation.Actor, error) {
	if by == "" {
		return conversation.Actor{}, nil
	}
	a, err := loadAgent(ctx, tx, ws, by)
	if err != nil {
		return conversation.Actor{}, err
	}
	return conversation.By(a), nil
}

// onConversation runs a decision on one conversation, acted on by agent by
// (the host when empty), and returns the conversation as stored after it.
func (e *Engine) onConversation(ctx context.Context, op string, ws ticket.WorkspaceID, id conversation.ID, by conversation.AgentID,
	decide func(tx store.Tx, c *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error)) (conversation.Conversation, error) {
	var out conversation.Conversation
	err := e.update(ctx, op, func(tx store.Tx) error {
		c, err := loadConversation(ctx, tx, ws, id)
		if err != nil {
			return err
		}
		who, err := actor(ctx, tx, ws, by)
		if err != nil {
			return err
		}
		ch, err := decide(tx, &c, who, e.now())
		if err != nil {
			return err
		}
		out = c
		if ch.Empty() {
			return nil
		}
		out = ch.Conversation
		return e.commit(ctx, tx, &ch)
	})
	return out, err
}

// Assign assigns a conversation to agent to, acted on by agent by, or by
// the host when by is empty (R11). Assigning a conversation that another
// agent holds is a transfer: only a supervisor, the current assignee or the
// host may do it. Manual assignment does not check the agent's presence or
// capacity.
func (e *Engine) Assign(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID, to, by conversation.AgentID) (conversation.Conversation, error) {
	return e.onConversation(ctx, "assign", ws, id, by, func(tx store.Tx, c *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error) {
		a, err := loadAgent(ctx, tx, ws, to)
		if err != nil {
			return conversation.Change{}, err
		}
		return conversation.Assign(c, who, &a, now)
	})
}

// Unassign returns a conversation to the queue (R11).
func (e *Engine) Unassign(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID, by conversation.AgentID) (conversation.Conversation, error) {
	return e.andAssign(e.onConversation(ctx, "unassign", ws, id, by, func(_ store.Tx, c *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error) {
		return conversation.Unassign(c, who, now)
	}))
}

// andAssign runs automatic assignment after a change that put a
// conversation back in the queue or freed an agent (R11), and returns the
// conversation as it is then.
func (e *Engine) andAssign(c conversation.Conversation, err error) (conversation.Conversation, error) {
	if err != nil {
		return c, err
	}
	ctx := context.Background()
	e.assignWaiting(ctx, c.Workspace)
	if cur, err := e.Conversation(ctx, c.Workspace, c.ID); err == nil {
		return cur, nil
	}
	return c, nil
}

// TransferToTeam moves a conversation to a team's queue, leaving its
// assignee (R11). To transfer to an agent, use Assign.
func (e *Engine) TransferToTeam(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID, team conversation.TeamID, by conversation.AgentID) (conversation.Conversation, error) {
	return e.andAssign(e.onConversation(ctx, "transfer", ws, id, by, func(tx store.Tx, c *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error) {
		t, err := tx.Team(ctx, ws, team)
		if err != nil {
			return conversation.Change{}, notFoundAs(err, conversation.ErrTeamNotFound, "team", team)
		}
		return conversation.TransferToTeam(c, who, &t, now)
	}))
}

// CloseConversation closes a conversation with a closing note (R12). It
// leaves the queue and loses its assignee; its ticket stays as it is. The
// contact re-enters the queue when they write again.
func (e *Engine) CloseConversation(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID, by conversation.AgentID, note conversation.ClosingNote) (conversation.Conversation, error) {
	return e.andAssign(e.onConversation(ctx, "close conversation", ws, id, by, func(_ store.Tx, c *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error) {
		return conversation.Close(c, who, conversation.ReasonAgent, note, now)
	}))
}

// CloseTicket closes a ticket and its open conversation, if any, with the
// closing note (R12).
func (e *Engine) CloseTicket(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID, by conversation.AgentID, note conversation.ClosingNote) (ticket.Ticket, error) {
	var out ticket.Ticket
	err := e.update(ctx, "close ticket", func(tx store.Tx) error {
		t, err := loadTicket(ctx, tx, ws, id)
		if err != nil {
			return err
		}
		who, err := actor(ctx, tx, ws, by)
		if err != nil {
			return err
		}
		open, err := ticketConversation(ctx, tx, ws, id)
		if err != nil {
			return err
		}
		ch, err := conversation.CloseTicket(&t, open, who, note, e.now())
		if err != nil {
			return err
		}
		out = ch.Ticket
		return e.commit(ctx, tx, &ch)
	})
	if err == nil {
		e.assignWaiting(ctx, ws) // the assignee of the closed conversation has room
	}
	return out, err
}

// PutAgent creates an agent or replaces one with the same id; Version is
// managed by the engine.
func (e *Engine) PutAgent(ctx context.Context, a conversation.Agent) (conversation.Agent, error) {
	if err := a.Validate(); err != nil {
		return a, wrap("put agent", err)
	}
	err := e.update(ctx, "put agent", func(tx store.Tx) error {
		old, err := tx.Agent(ctx, a.Workspace, a.ID)
		isNew := errors.Is(err, store.ErrNotFound)
		if err != nil && !isNew {
			return err
		}
		a.Version = old.Version + 1
		if err := tx.PutAgent(ctx, a); err != nil {
			return err
		}
		if ev, ok := conversation.PresenceChanged(&a, old.Presence, isNew, e.now()); ok {
			return tx.AppendEvent(ctx, ev)
		}
		return nil
	})
	if err == nil {
		e.assignWaiting(ctx, a.Workspace) // an agent online, or with more room
	}
	return a, err
}

// SetPresence sets an agent's presence and publishes the change (R17). An
// agent who comes online gets waiting conversations (R11); one who goes
// offline has their conversations reassigned where the channel says so
// (R3).
func (e *Engine) SetPresence(ctx context.Context, ws ticket.WorkspaceID, id conversation.AgentID, p conversation.Presence) (conversation.Agent, error) {
	var out conversation.Agent
	var old conversation.Presence
	err := e.update(ctx, "set presence", func(tx store.Tx) error {
		a, err := loadAgent(ctx, tx, ws, id)
		if err != nil {
			return err
		}
		old = a.Presence
		out, err = e.setPresence(ctx, tx, a, p)
		return err
	})
	if err != nil {
		return conversation.Agent{}, err
	}
	switch {
	case p == conversation.Offline && old != conversation.Offline:
		if err := e.disconnect(ctx, ws, id); err != nil {
			e.log.WarnContext(ctx, "reassigning an agent's conversations failed", "agent", id, "err", err)
		}
	case p == conversation.Online && old != conversation.Online:
		e.assignWaiting(ctx, ws)
	}
	return out, nil
}

// PutTeam creates a team or replaces one with the same id.
func (e *Engine) PutTeam(ctx context.Context, t conversation.Team) error {
	if err := t.Validate(); err != nil {
		return wrap("put team", err)
	}
	return e.update(ctx, "put team", func(tx store.Tx) error { return tx.PutTeam(ctx, t) })
}

// SetPriority sets a ticket's priority; its open conversation takes it too,
// and the queue is served in that order (R11).
func (e *Engine) SetPriority(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID, p ticket.Priority) (ticket.Ticket, error) {
	var out ticket.Ticket
	err := e.update(ctx, "set priority", func(tx store.Tx) error {
		t, err := loadTicket(ctx, tx, ws, id)
		if err != nil {
			return err
		}
		out = t
		open, err := ticketConversation(ctx, tx, ws, id)
		if err != nil {
			return err
		}
		ch, err := conversation.SetPriority(&t, open, p, e.now())
		if err != nil || ch.Empty() {
			return err
		}
		out = ch.Ticket
		return e.commit(ctx, tx, &ch)
	})
	return out, err
}

// ticketConversation returns ticket id's open conversation, nil if it has
// none.
func ticketConversation(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, id ticket.ID) (*conversation.Conversation, error) {
	c, err := tx.TicketConversation(ctx, ws, id)
	switch {
	case err == nil:
		return &c, nil
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	}
	return nil, err
}
