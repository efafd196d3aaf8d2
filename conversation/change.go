package conversation

import (
	"fmt"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/ticket"
)

// Write says what a Change does with one object.
type Write uint8

// Writes.
const (
	// Keep: the object is unchanged.
	Keep Write = iota
	// Create: the object is new (Version 1).
	Create
	// Update: the object replaces the stored one, whose version must be
	// Version-1.
	Update
)

// Change is the outcome of a decision: the objects to store, the events to
// publish, in order, and the timers to set or clear. The engine commits it
// in one transaction, with the events and timers, and carries out what
// follows from it (sending the messages it stores pending, the reactions
// its events start) after the commit. A Change with nothing to write
// (Empty) means the decision was a no-op.
//
// A Change holds any number of events, automatic messages, agents and
// timers: its lists grow as a decision adds to them.
type Change struct {
	// Contact is a contact the change creates or updates; a created one
	// is known on ContactChannel by ContactExternalID.
	Contact           ticket.Contact
	ContactWrite      Write
	ContactChannel    channel.ID
	ContactExternalID string

	Ticket      ticket.Ticket
	TicketWrite Write
	// Previous is a conversation the change closes before it opens
	// Conversation (R6).
	Previous          Conversation
	PreviousWrite     Write
	Conversation      Conversation
	ConversationWrite Write
	Message           Message
	MessageWrite      Write
	// Answer is an automatic message the change sends to the contact (the
	// answer to a command).
	Answer      Message
	AnswerWrite Write

	// Agents are agents the change stores (created or replaced, each with
	// its Version set by the decision).
	Agents []Agent
	// Timers are the timers the change sets or clears, in order.
	Timers []TimerChange

	automatic []Message
	events    []Event
}

// Reset empties c for another decision, keeping the room of its lists of
// events and automatic messages: a caller that decides many changes in
// turn (ReceiveInto) allocates them once. What c held before is gone,
// including what a slice returned by Events or Automatic shows.
func (c *Change) Reset() {
	clear(c.events) // nothing of the old change is kept
	clear(c.automatic)
	events, automatic := c.events[:0], c.automatic[:0]
	*c = Change{events: events, automatic: automatic}
}

// Events returns the events to publish, in order.
func (c *Change) Events() []Event { return c.events }

// Empty reports whether the change writes nothing.
func (c *Change) Empty() bool {
	return c.ContactWrite == Keep && c.TicketWrite == Keep && c.PreviousWrite == Keep && c.ConversationWrite == Keep &&
		c.MessageWrite == Keep && c.AnswerWrite == Keep && len(c.automatic) == 0 && len(c.Agents) == 0 &&
		len(c.Timers) == 0 && len(c.events) == 0
}

// Automatic returns the automatic messages the change sends to the contact,
// to be created.
func (c *Change) Automatic() []Message { return c.automatic }

// Emit appends event e to the change's events as it is: decisions outside
// this package (an agent's presence, a contact's flag) use it for events
// about objects other than a conversation.
func (c *Change) Emit(e Event) { c.events = append(c.events, e) }

// AddAutomatic adds to ch, whose conversation is set, an automatic message
// to the contact (R4, R5): a system message, pending for the channel
// (R18). It does not count as activity between contact and agent, so it
// does not move the conversation's timeout (R7).
func (c *Change) AddAutomatic(m Message, now time.Time) error {
	if c.ConversationWrite == Keep && c.Conversation.ID == "" {
		return fmt.Errorf("%w: an automatic message needs a conversation", ErrInvalid)
	}
	a, err := systemMessage(&c.Conversation, m, now)
	if err != nil {
		return err
	}
	c.automatic = append(c.automatic, a)
	c.emit(EventMessageQueued, &c.Conversation, now, Event{Message: a.ID})
	return nil
}

// SetTimer adds to the change a timer to set, or to move to t.Due.
func (c *Change) SetTimer(t Timer) { c.Timers = append(c.Timers, TimerChange{Timer: t}) }

// ClearTimer adds to the change a timer to clear.
func (c *Change) ClearTimer(kind TimerKind, ws ticket.WorkspaceID, key string) {
	c.Timers = append(c.Timers, TimerChange{Timer: Timer{Kind: kind, Workspace: ws, Key: key}, Clear: true})
}

// MarkOutOfHours records in ch's conversation that it got the out-of-hours
// message for the closed period that ends at periodEnd (R4), so that it
// gets it once per closed period.
func (c *Change) MarkOutOfHours(periodEnd time.Time) {
	c.Conversation.OutOfHoursUntil = periodEnd
	if c.ConversationWrite == Keep {
		c.Conversation.Version++
		c.ConversationWrite = Update
	}
}

func (c *Change) setTicket(t ticket.Ticket, w Write) {
	c.Ticket, c.TicketWrite = t, w
}

func (c *Change) setConversation(cv Conversation, w Write) {
	c.Conversation, c.ConversationWrite = cv, w
}

func (c *Change) setMessage(m Message, w Write) {
	c.Message, c.MessageWrite = m, w
}

// emit appends an event of type typ about conversation cv at now.
func (c *Change) emit(typ EventType, cv *Conversation, now time.Time, e Event) {
	e.Type = typ
	e.At = now
	e.Workspace = cv.Workspace
	e.Conversation = cv.ID
	e.Ticket = cv.Ticket
	e.TicketNumber = cv.TicketNumber
	c.events = append(c.events, e)
}
