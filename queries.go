package contactcenter

import (
	"context"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// view runs fn in a read-only transaction and wraps its error.
func (e *Engine) view(ctx context.Context, op string, fn func(store.Tx) error) error {
	return wrap(op, e.store.View(ctx, fn))
}

// Conversation returns a conversation.
func (e *Engine) Conversation(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) (conversation.Conversation, error) {
	var c conversation.Conversation
	err := e.view(ctx, "conversation", func(tx store.Tx) (err error) {
		c, err = loadConversation(ctx, tx, ws, id)
		return err
	})
	return c, err
}

// Messages returns a conversation's messages, oldest first.
func (e *Engine) Messages(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) ([]conversation.Message, error) {
	var ms []conversation.Message
	err := e.view(ctx, "messages", func(tx store.Tx) error {
		if _, err := loadConversation(ctx, tx, ws, id); err != nil {
			return err
		}
		var err error
		ms, err = tx.Messages(ctx, ws, id)
		return err
	})
	return ms, err
}

// Ticket returns a ticket by id.
func (e *Engine) Ticket(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID) (ticket.Ticket, error) {
	var t ticket.Ticket
	err := e.view(ctx, "ticket", func(tx store.Tx) (err error) {
		t, err = loadTicket(ctx, tx, ws, id)
		return err
	})
	return t, err
}

// TicketByNumber returns a ticket by its number in the workspace.
func (e *Engine) TicketByNumber(ctx context.Context, ws ticket.WorkspaceID, n ticket.Number) (ticket.Ticket, error) {
	var t ticket.Ticket
	err := e.view(ctx, "ticket", func(tx store.Tx) (err error) {
		t, err = tx.TicketByNumber(ctx, ws, n)
		return notFoundAs(err, ticket.ErrNotFound, "ticket number", n)
	})
	return t, err
}

// Contact returns a contact.
func (e *Engine) Contact(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID) (ticket.Contact, error) {
	var c ticket.Contact
	err := e.view(ctx, "contact", func(tx store.Tx) (err error) {
		c, err = tx.Contact(ctx, ws, id)
		return notFoundAs(err, ticket.ErrContactNotFound, "contact", id)
	})
	return c, err
}

// OpenTickets returns a contact's open tickets, by number.
func (e *Engine) OpenTickets(ctx context.Context, ws ticket.WorkspaceID, contact ticket.ContactID) ([]ticket.Ticket, error) {
	var ts []ticket.Ticket
	err := e.view(ctx, "open tickets", func(tx store.Tx) error {
		if _, err := tx.Contact(ctx, ws, contact); err != nil {
			return notFoundAs(err, ticket.ErrContactNotFound, "contact", contact)
		}
		var err error
		ts, err = tx.OpenTickets(ctx, ws, contact)
		return err
	})
	return ts, err
}

// Queue returns the workspace's waiting conversations in the order they
// are served: higher priority first, then longest waiting (R11). limit <= 0
// returns all.
func (e *Engine) Queue(ctx context.Context, ws ticket.WorkspaceID, limit int) ([]conversation.Conversation, error) {
	var q []conversation.Conversation
	err := e.view(ctx, "queue", func(tx store.Tx) (err error) {
		q, err = tx.Queue(ctx, ws, limit)
		return err
	})
	return q, err
}

// Conversations returns a page of the workspace's conversations that pass
// filter f — by state, assignee, team, channel, ticket tag and waiting
// time — ordered by opening time, then id, and the cursor of the next page
// (f.After), empty after the last. A filter store.ConversationFilter's
// Normalize refuses (a page size beyond store.MaxConversationPage, an
// unknown state, a bad tag or cursor) fails with conversation.ErrInvalid
// and reads nothing.
func (e *Engine) Conversations(ctx context.Context, ws ticket.WorkspaceID, f store.ConversationFilter) ([]conversation.Conversation, store.ConversationCursor, error) {
	f, err := f.Normalize()
	if err != nil {
		return nil, "", wrap("conversations", err)
	}
	var page []conversation.Conversation
	var next store.ConversationCursor
	err = e.view(ctx, "conversations", func(tx store.Tx) (err error) {
		page, next, err = tx.Conversations(ctx, ws, f)
		return err
	})
	return page, next, err
}

// MessagesPage returns a page of a conversation's messages, oldest first
// in the order of store.MessageLess (creation time, then id): the newest
// ones when p has no cursor, as a chat view opens, those before p.Before
// when scrolling back, those after p.After onwards; with the cursors of
// the pages either side. An unknown conversation fails with
// conversation.ErrNotFound; a page store.MessagePage's Normalize refuses
// (a page size beyond store.MaxMessagePage, both cursors, a malformed
// cursor) fails with conversation.ErrInvalid and reads nothing.
func (e *Engine) MessagesPage(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID, p store.MessagePage) (store.Messages, error) {
	p, err := p.Normalize()
	if err != nil {
		return store.Messages{}, wrap("messages page", err)
	}
	var out store.Messages
	err = e.view(ctx, "messages page", func(tx store.Tx) error {
		if _, err := loadConversation(ctx, tx, ws, id); err != nil {
			return err
		}
		var err error
		out, err = store.MessagesPage(ctx, tx, ws, id, p)
		return err
	})
	if err != nil {
		return store.Messages{}, err
	}
	return out, nil
}

// ContactTickets returns a page of a contact's tickets, open and closed,
// newest first (by number), and the cursor of the next page (p.After),
// empty after the last. An unknown contact fails with
// ticket.ErrContactNotFound; a page store.TicketPage's Normalize refuses
// fails with conversation.ErrInvalid and reads nothing.
func (e *Engine) ContactTickets(ctx context.Context, ws ticket.WorkspaceID, contact ticket.ContactID, p store.TicketPage) ([]ticket.Ticket, store.TicketCursor, error) {
	p, err := p.Normalize()
	if err != nil {
		return nil, "", wrap("contact tickets", err)
	}
	var page []ticket.Ticket
	var next store.TicketCursor
	err = e.view(ctx, "contact tickets", func(tx store.Tx) error {
		if _, err := tx.Contact(ctx, ws, contact); err != nil {
			return notFoundAs(err, ticket.ErrContactNotFound, "contact", contact)
		}
		var err error
		page, next, err = tx.ContactTickets(ctx, ws, contact, p)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return page, next, nil
}

// TicketConversations returns a page of a ticket's conversations, open
// and closed, by opening time then id, and the cursor of the next page
// (p.After), empty after the last. An unknown ticket fails with
// ticket.ErrNotFound; a page store.ConversationPage's Normalize refuses
// fails with conversation.ErrInvalid and reads nothing.
func (e *Engine) TicketConversations(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID, p store.ConversationPage) ([]conversation.Conversation, store.ConversationCursor, error) {
	p, err := p.Normalize()
	if err != nil {
		return nil, "", wrap("ticket conversations", err)
	}
	var page []conversation.Conversation
	var next store.ConversationCursor
	err = e.view(ctx, "ticket conversations", func(tx store.Tx) error {
		if _, err := loadTicket(ctx, tx, ws, id); err != nil {
			return err
		}
		var err error
		page, next, err = tx.TicketConversations(ctx, ws, id, p)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return page, next, nil
}

// AgentLoad is an agent with its load: what an agent's UI shows of a
// colleague.
type AgentLoad struct {
	// Agent is the agent as stored, with its Presence and Capacity.
	Agent conversation.Agent
	// Open is how many open conversations the agent holds
	// (store.Workload).
	Open int
}

// AgentsWithLoad returns the workspace's agents, by id, each with its
// presence and the number of open conversations it holds, read in one
// transaction: one query for the agents and one for the loads where the
// store has store.Workloads.
func (e *Engine) AgentsWithLoad(ctx context.Context, ws ticket.WorkspaceID) ([]AgentLoad, error) {
	var out []AgentLoad
	err := e.view(ctx, "agents with load", func(tx store.Tx) error {
		agents, err := tx.Agents(ctx, ws)
		if err != nil {
			return err
		}
		loads, err := store.Workload(ctx, tx, ws)
		if err != nil {
			return err
		}
		out = make([]AgentLoad, len(agents))
		for i, a := range agents {
			out[i] = AgentLoad{Agent: a, Open: loads[a.ID]}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Agent returns an agent.
func (e *Engine) Agent(ctx context.Context, ws ticket.WorkspaceID, id conversation.AgentID) (conversation.Agent, error) {
	var a conversation.Agent
	err := e.view(ctx, "agent", func(tx store.Tx) (err error) {
		a, err = loadAgent(ctx, tx, ws, id)
		return err
	})
	return a, err
}

// Message returns a message by id.
func (e *Engine) Message(ctx context.Context, ws ticket.WorkspaceID, id conversation.MessageID) (conversation.Message, error) {
	var out conversation.Message
	err := e.view(ctx, "message", func(tx store.Tx) error {
		var err error
		out, err = tx.Message(ctx, ws, id)
		return notFoundAs(err, conversation.ErrMessageNotFound, "message", id)
	})
	return out, err
}
