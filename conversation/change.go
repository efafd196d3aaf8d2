package conversation

import (
	"fmt"
	"time"

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

// maxEvents is the largest number of events one decision publishes.
const maxEvents = 8

// Change is the outcome of a decision: the objects to store and the events
// to publish, in order. The engine commits it in one transaction. A Change
// with nothing to write (Empty) means the decision was a no-op.
//
// Change is a value with room for its events inside it, so deciding costs
// no allocation.
type Change struct {
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

	automatic  [maxAutomatic]Message
	nautomatic int

	events  [maxEvents]Event
	nevents int
}

// Events returns the events to publish, in order.
func (c *Change) Events() []Event { return c.events[:c.nevents] }

// Empty reports whether the change writes nothing.
func (c *Change) Empty() bool {
	return c.TicketWrite == Keep && c.PreviousWrite == Keep && c.ConversationWrite == Keep &&
		c.MessageWrite == Keep && c.AnswerWrite == Keep && c.nautomatic == 0
}

// maxAutomatic is the largest number of automatic messages one change
// sends: the new-conversation and the out-of-hours message (R5, R4).
const maxAutomatic = 2

// Automatic returns the automatic messages the change sends to the contact,
// to be created.
func (c *Change) Automatic() []Message { return c.automatic[:c.nautomatic] }

// AddAutomatic adds to ch, whose conversation is set, an automatic message
// to the contact (R4, R5): a system message, pending for the channel
// (R18). It does not count as activity between contact and agent, so it
// does not move the conversation's timeout (R7).
func (c *Change) AddAutomatic(m Message, now time.Time) error {
	if c.ConversationWrite == Keep && c.Conversation.ID == "" {
		return fmt.Errorf("%w: an automatic message needs a conversation", ErrInvalid)
	}
	if c.nautomatic == maxAutomatic {
		return fmt.Errorf("%w: more than %d automatic messages at once", ErrInvalid, maxAutomatic)
	}
	a, err := systemMessage(&c.Conversation, m, now)
	if err != nil {
		return err
	}
	c.automatic[c.nautomatic] = a
	c.nautomatic++
	c.emit(EventMessageQueued, &c.Conversation, now, Event{Message: a.ID})
	return nil
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
	c.events[c.nevents] = e
	c.nevents++
}
