package conversation

import (
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
const maxEvents = 6

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

	events  [maxEvents]Event
	nevents int
}

// Events returns the events to publish, in order.
func (c *Change) Events() []Event { return c.events[:c.nevents] }

// Empty reports whether the change writes nothing.
func (c *Change) Empty() bool {
	return c.TicketWrite == Keep && c.PreviousWrite == Keep && c.ConversationWrite == Keep &&
		c.MessageWrite == Keep && c.AnswerWrite == Keep
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
