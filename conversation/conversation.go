package conversation

import (
	"fmt"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/ticket"
)

// ID identifies a conversation within its workspace.
type ID string

// State is the state of a conversation.
type State uint8

// Conversation states.
const (
	// Open conversations receive messages; unassigned ones wait in the
	// queue. The zero State is neither open nor closed.
	Open State = iota + 1
	// Closed conversations are history. A contact who writes again gets a
	// new conversation (R9).
	Closed
)

// String returns "open" or "closed".
func (s State) String() string {
	switch s {
	case Open:
		return "open"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// CloseReason says why a conversation was closed. The values are stable and
// meant to be stored.
type CloseReason string

// Reasons for closing a conversation.
const (
	// ReasonAgent: an agent (or the host on their behalf) closed it (R12).
	ReasonAgent CloseReason = "agent"
	// ReasonTicketClosed: its ticket was closed (R12).
	ReasonTicketClosed CloseReason = "ticket_closed"
	// ReasonTimeout: no message between contact and agent for the
	// channel's timeout (R7).
	ReasonTimeout CloseReason = "timeout"
	// ReasonBot: the chatbot that held the conversation closed it (R2).
	ReasonBot CloseReason = "bot"
)

// ClosingNote is what the closer writes when a conversation closes (R12): a
// category from the host's list and a free-text summary. Both are optional.
type ClosingNote struct {
	Category string
	Summary  string
}

// Limits on closing notes.
const (
	MaxCategoryLen = 64
	MaxSummaryLen  = 4000
)

// Conversation is one live exchange between a contact and the center on one
// channel. It belongs to exactly one ticket, has at most one assignee and,
// while open and unassigned, waits in its workspace's queue.
type Conversation struct {
	ID        ID
	Workspace ticket.WorkspaceID
	Ticket    ticket.ID
	// TicketNumber is the number of Ticket, kept for display and events.
	TicketNumber ticket.Number
	Channel      channel.ID
	Contact      ticket.ContactID
	// ContactExternalID is the contact's id on Channel: where replies go.
	ContactExternalID string
	State             State
	// Priority orders the queue (R11). It is the ticket's priority.
	Priority ticket.Priority
	// Assignee is the agent answering; empty while the conversation waits.
	Assignee AgentID
	// Team is the team whose queue the conversation waits in; empty for the
	// workspace's general queue.
	Team TeamID
	// WaitingSince is when the conversation last entered the queue; zero
	// while assigned or closed.
	WaitingSince time.Time
	// Abandoned marks a conversation whose assignee disconnected and that
	// waits for another agent (R3).
	Abandoned bool
	// Bot names the chatbot that holds the conversation (R2): while it is
	// set and the conversation is open, the conversation is not in the
	// queue and automatic assignment leaves it alone. A hand-off, an
	// assignment, a transfer or an agent's reply clears it; a closed
	// conversation keeps the name of the bot that held it last.
	Bot      string
	OpenedAt time.Time
	// LastActivity is the time of the last message between the contact and
	// a human agent.
	LastActivity time.Time
	ClosedAt     time.Time
	CloseReason  CloseReason
	// ClosedBy is the agent who closed the conversation; empty when the host
	// or a rule closed it.
	ClosedBy    AgentID
	ClosingNote ClosingNote
	// OutOfHoursUntil is the end of the closed period for which the
	// out-of-hours message was sent (R4): it goes once per closed period.
	// Zero if it never went.
	OutOfHoursUntil time.Time
	// Version counts stored changes. A store accepts an update only if it
	// holds Version-1, so two concurrent changes cannot both win.
	Version int64
}

// Waiting reports whether c is in the queue: open, unassigned and not
// held by a bot (R2).
func (c Conversation) Waiting() bool { return c.State == Open && c.Assignee == "" && c.Bot == "" }

// Held reports whether a bot holds c: open, with Bot set (R2).
func (c Conversation) Held() bool { return c.State == Open && c.Bot != "" }

// Before reports whether c is served before d in the queue: higher priority
// first, then the one waiting longest, then by id so the order is total
// (R11).
func (c Conversation) Before(d Conversation) bool {
	if c.Priority != d.Priority {
		return c.Priority > d.Priority
	}
	if !c.WaitingSince.Equal(d.WaitingSince) {
		return c.WaitingSince.Before(d.WaitingSince)
	}
	return c.ID < d.ID
}
