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
	if r.Agent == "" {
		return conversation.Message{}, wrap(op, fmt.Errorf("%w: a reply without its agent", conversation.ErrInvalid))
	}
	var msg conversation.Message
	s, err := e.run(ctx, op, conversation.AsAgent(r.Agent), func(tx store.Tx, s *step) error {
		s.waitSend = true
		c, err := loadConversation(ctx, tx, r.Workspace, r.Conversation)
		if err != nil {
			return err
		}
		if r.ID != "" {
			prev, err := tx.Message(ctx, r.Workspace, r.ID)
			switch {
			case err == nil && prev.Conversation == r.Conversation && prev.Author.Agent == r.Agent:
				msg = prev // made before: the same reply
				if prev.Delivery == conversation.DeliveryPending {
					s.send = append(s.send, prev)
				}
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
		b, err := s.channel(ctx, tx, c.Workspace, c.Channel)
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
		return s.add(ctx, tx, &ch)
	})
	if err != nil {
		return conversation.Message{}, err
	}
	if m, ok := s.sent(msg.ID); ok {
		msg = m
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

// onConversation runs a decision on one conversation as a step made by
// actor by, and returns the conversation as it is after the step and the
// reactions this call ran (an unassigned conversation may have gone to
// another agent at once, R11).
func (e *Engine) onConversation(ctx context.Context, op string, ws ticket.WorkspaceID, id conversation.ID, by conversation.Actor,
	decide func(tx store.Tx, c *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error)) (conversation.Conversation, error) {
	out, s, err := decideOn(e, ctx, op, ws, by,
		func(tx store.Tx) (conversation.Conversation, error) { return loadConversation(ctx, tx, ws, id) },
		decide,
		func(ch *conversation.Change) conversation.Conversation { return ch.Conversation })
	if err != nil {
		return out, err
	}
	if len(s.jobs) > 0 {
		if cur, err := e.Conversation(ctx, ws, id); err == nil {
			out = cur
		}
	}
	return out, nil
}

// Assignment is a request to assign a conversation to an agent, for
// Engine.Assign.
type Assignment struct {
	Workspace    ticket.WorkspaceID
	Conversation conversation.ID
	// To is the agent who gets the conversation.
	To conversation.AgentID
	// By is who assigns: the host, an agent (conversation.AsAgent), an
	// automation. Required.
	By conversation.Actor
}

// Assign assigns a conversation to agent r.To, acted on by r.By (R11).
// Assigning a conversation that another agent holds is a transfer: only a
// supervisor, the current assignee, the host or an automation may do it.
// Manual assignment does not check the agent's presence or capacity.
func (e *Engine) Assign(ctx context.Context, r Assignment) (conversation.Conversation, error) {
	return e.onConversation(ctx, "assign", r.Workspace, r.Conversation, r.By, func(tx store.Tx, c *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error) {
		a, err := loadAgent(ctx, tx, r.Workspace, r.To)
		if err != nil {
			return conversation.Change{}, err
		}
		return conversation.Assign(c, who, &a, now)
	})
}

// Unassignment is a request to return a conversation to the queue, for
// Engine.Unassign.
type Unassignment struct {
	Workspace    ticket.WorkspaceID
	Conversation conversation.ID
	// By is who unassigns. Required.
	By conversation.Actor
}

// Unassign returns a conversation to the queue (R11). It returns the
// conversation as it is afterwards: automatic assignment may have given it
// to another agent at once. (When the conversation's assignment job was
// already running in another call, that call assigns it, and Unassign
// returns it waiting.)
func (e *Engine) Unassign(ctx context.Context, r Unassignment) (conversation.Conversation, error) {
	return e.onConversation(ctx, "unassign", r.Workspace, r.Conversation, r.By, func(_ store.Tx, c *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error) {
		return conversation.Unassign(c, who, now)
	})
}

// Transfer is a request to move a conversation to a team's queue, for
// Engine.TransferToTeam.
type Transfer struct {
	Workspace    ticket.WorkspaceID
	Conversation conversation.ID
	Team         conversation.TeamID
	// By is who transfers. Required.
	By conversation.Actor
}

// TransferToTeam moves a conversation to a team's queue, leaving its
// assignee (R11). To transfer to an agent, use Assign.
func (e *Engine) TransferToTeam(ctx context.Context, r Transfer) (conversation.Conversation, error) {
	return e.onConversation(ctx, "transfer", r.Workspace, r.Conversation, r.By, func(tx store.Tx, c *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error) {
		t, err := tx.Team(ctx, r.Workspace, r.Team)
		if err != nil {
			return conversation.Change{}, notFoundAs(err, conversation.ErrTeamNotFound, "team", r.Team)
		}
		return conversation.TransferToTeam(c, who, &t, now)
	})
}

// Closing is a request to close a conversation, for
// Engine.CloseConversation.
type Closing struct {
	Workspace    ticket.WorkspaceID
	Conversation conversation.ID
	// By is who closes. Required.
	By   conversation.Actor
	Note conversation.ClosingNote
}

// CloseConversation closes a conversation with a closing note (R12). It
// leaves the queue and loses its assignee; its ticket stays as it is. The
// contact re-enters the queue when they write again.
func (e *Engine) CloseConversation(ctx context.Context, r Closing) (conversation.Conversation, error) {
	return e.onConversation(ctx, "close conversation", r.Workspace, r.Conversation, r.By, func(_ store.Tx, c *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error) {
		return conversation.Close(c, who, conversation.ReasonAgent, r.Note, now)
	})
}

// TicketClosing is a request to close a ticket, for Engine.CloseTicket.
type TicketClosing struct {
	Workspace ticket.WorkspaceID
	Ticket    ticket.ID
	// By is who closes. Required.
	By   conversation.Actor
	Note conversation.ClosingNote
}

// CloseTicket closes a ticket and its open conversation, if any, with the
// closing note (R12).
func (e *Engine) CloseTicket(ctx context.Context, r TicketClosing) (ticket.Ticket, error) {
	return e.onTicket(ctx, "close ticket", r.Workspace, r.Ticket, r.By, func(t *ticket.Ticket, open *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error) {
		return conversation.CloseTicket(t, open, who, r.Note, now)
	})
}

// AgentChange is a request to create or replace an agent, for
// Engine.PutAgent.
type AgentChange struct {
	// Agent is the agent as it is to be; its Version is managed by the
	// engine.
	Agent conversation.Agent
	// By is who puts the agent: the host, a supervisor of the agent's
	// workspace, an automation (bot, workflow). An agent who is not a
	// supervisor, and a contact, may not (CodeForbidden). Required.
	By conversation.Actor
}

// PutAgent creates an agent or replaces one with the same id, acted on by
// r.By (conversation.PutAgent); Version is managed by the engine. A change
// of presence is published with r.By as its actor (R17). An agent who is
// online, or has more room, gets waiting conversations (R11).
func (e *Engine) PutAgent(ctx context.Context, r AgentChange) (conversation.Agent, error) {
	const op = "put agent"
	a := r.Agent
	if err := a.Validate(); err != nil {
		return a, wrap(op, err)
	}
	if err := r.By.Validate(); err != nil {
		return a, wrap(op, err)
	}
	_, err := e.run(ctx, op, r.By, func(tx store.Tx, s *step) error {
		var old *conversation.Agent
		stored, err := tx.Agent(ctx, a.Workspace, a.ID)
		switch {
		case err == nil:
			old = &stored
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		who, err := actorFor(ctx, tx, a.Workspace, r.By)
		if err != nil {
			return err
		}
		ch, err := conversation.PutAgent(a, old, who, e.now())
		if err != nil {
			return err
		}
		a = ch.Agents[0]
		if err := s.add(ctx, tx, &ch); err != nil {
			return err
		}
		if len(ch.Events()) == 0 && a.Presence == conversation.Online {
			return s.tryAssign(ctx, tx, a.Workspace) // perhaps more room
		}
		return nil
	})
	return a, err
}

// PresenceChange is a request to set an agent's presence, for
// Engine.SetPresence.
type PresenceChange struct {
	Workspace ticket.WorkspaceID
	Agent     conversation.AgentID
	Presence  conversation.Presence
	// By is who sets it: the agent themselves (conversation.AsAgent of
	// Agent), the host, the engine's rules, an automation (bot, workflow)
	// or a supervisor of the workspace. Another agent who is not a
	// supervisor, and a contact, may not (CodeForbidden). Required.
	By conversation.Actor
}

// SetPresence sets an agent's presence, acted on by r.By, and publishes the
// change with r.By as its actor (R17). An agent who comes online gets
// waiting conversations (R11); one who goes offline has their
// conversations reassigned where the channel says so (R3), by r.By too.
// No actor is CodeInvalid; an actor who may not is CodeForbidden; either
// changes nothing.
func (e *Engine) SetPresence(ctx context.Context, r PresenceChange) (conversation.Agent, error) {
	const op = "set presence"
	if err := r.By.Validate(); err != nil {
		return conversation.Agent{}, wrap(op, err)
	}
	var out conversation.Agent
	_, err := e.run(ctx, op, r.By, func(tx store.Tx, s *step) error {
		a, err := loadAgent(ctx, tx, r.Workspace, r.Agent)
		if err != nil {
			return err
		}
		if r.By.Kind != conversation.ActorAgent || r.By.Agent() != r.Agent {
			who, err := actorFor(ctx, tx, r.Workspace, r.By)
			if err != nil {
				return err
			}
			if err := who.MayAdminister(r.Workspace, "set another agent's presence"); err != nil {
				return err
			}
		}
		out, err = s.setPresence(ctx, tx, a, r.Presence)
		return err
	})
	if err != nil {
		return conversation.Agent{}, err
	}
	return out, nil
}

// Heartbeat tells that an agent is connected: an offline agent comes
// online (R11), and the agent counts as disconnected if no heartbeat
// follows within the grace period (Config.HeartbeatGrace), which
// reassigns their conversations where the channel says so (R3).
func (e *Engine) Heartbeat(ctx context.Context, ws ticket.WorkspaceID, id conversation.AgentID) (conversation.Agent, error) {
	var out conversation.Agent
	_, err := e.run(ctx, "heartbeat", conversation.AsAgent(id), func(tx store.Tx, s *step) error {
		a, err := loadAgent(ctx, tx, ws, id)
		if err != nil {
			return err
		}
		out = a
		if a.Presence == conversation.Offline {
			if out, err = s.setPresence(ctx, tx, a, conversation.Online); err != nil {
				return err
			}
		}
		return s.timer(ctx, tx, conversation.TimerChange{Timer: conversation.Timer{Kind: conversation.TimerHeartbeat, Workspace: ws, Key: string(id), Due: e.now().Add(e.grace)}})
	})
	if err != nil {
		return conversation.Agent{}, err
	}
	return out, nil
}

// TeamChange is a request to create or replace a team, for
// Engine.PutTeam.
type TeamChange struct {
	Team conversation.Team
	// By is who puts the team: the host, a supervisor of the team's
	// workspace, an automation (bot, workflow). An agent who is not a
	// supervisor, and a contact, may not (CodeForbidden). Required.
	By conversation.Actor
}

// PutTeam creates a team or replaces one with the same id, acted on by
// r.By.
func (e *Engine) PutTeam(ctx context.Context, r TeamChange) error {
	const op = "put team"
	t := r.Team
	if err := t.Validate(); err != nil {
		return wrap(op, err)
	}
	if err := r.By.Validate(); err != nil {
		return wrap(op, err)
	}
	_, err := e.exec(ctx, op, r.By, func(tx store.Tx, _ *step) error {
		who, err := actorFor(ctx, tx, t.Workspace, r.By)
		if err != nil {
			return err
		}
		if err := who.MayAdminister(t.Workspace, "put teams"); err != nil {
			return err
		}
		return tx.PutTeam(ctx, t)
	})
	return err
}

// Prioritizing is a request to set a ticket's priority, for
// Engine.SetPriority.
type Prioritizing struct {
	Workspace ticket.WorkspaceID
	Ticket    ticket.ID
	Priority  ticket.Priority
	// By is who sets it. Required.
	By conversation.Actor
}

// SetPriority sets a ticket's priority; its open conversation takes it too,
// and the queue is served in that order (R11). A contact may not set it
// (CodeForbidden); an unknown priority is CodeInvalid. Setting the
// priority the ticket has stores and publishes nothing.
func (e *Engine) SetPriority(ctx context.Context, r Prioritizing) (ticket.Ticket, error) {
	return e.onTicket(ctx, "set priority", r.Workspace, r.Ticket, r.By, func(t *ticket.Ticket, open *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error) {
		return conversation.SetPriority(t, open, who, r.Priority, now)
	})
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
