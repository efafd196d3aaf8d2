package workflow

import (
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// Snapshot is what a run's conditions are tested against: the event, and
// the objects it concerns as they are at Now. The engine fills in what the
// workflow needs (Definition.Needs); the others may be nil.
type Snapshot struct {
	Event        conversation.Event
	Now          time.Time
	Contact      *ticket.Contact
	Ticket       *ticket.Ticket
	Conversation *conversation.Conversation
	// Message is the event's message, if it has one.
	Message *conversation.Message
	// First: the conversation is the contact's first.
	First bool
	// Previous is the value before the change: of the field of
	// OnFieldChanged, the assignee of OnAssigned and OnUnassigned.
	Previous string
	// Hours reports whether the service hours named service ("" the
	// conversation's channel's out-of-hours service) are open at Now; ok is
	// false for a service there is none of.
	Hours func(service string) (open, ok bool)

	// foldIn and foldOut are the text last folded for Contains, and the
	// folded text: a Snapshot is for one goroutine at a time.
	foldIn, foldOut string
}

// folded returns text folded for Contains, once for the snapshot's last
// text.
func (s *Snapshot) folded(text string) string {
	if s.foldOut == "" || s.foldIn != text {
		s.foldIn, s.foldOut = text, fold(text)
	}
	return s.foldOut
}

// Needs says which parts of a Snapshot a workflow's conditions read.
type Needs struct {
	Contact, Ticket, Conversation, Message, First, Hours bool
}

// Trace is the value of one comparison of a condition, or of the
// trigger's own test (OnOutOfHours's hours), as a run or a dry run found
// it.
type Trace struct {
	// Path is where the comparison is in the definition: "if.all[0]",
	// "steps[2].if", "trigger".
	Path  string `json:"path"`
	Field string `json:"field,omitempty"`
	Op    Op     `json:"op,omitempty"`
	// Want is the Value, or the Values joined by ", ".
	Want string `json:"want,omitempty"`
	// Got is the snapshot's value. It may be a contact's data: the
	// engine shows it in a dry run and does not keep it in a run's
	// history.
	Got string `json:"got,omitempty"`
	// Held is the comparison's result.
	Held bool `json:"held"`
	// Err says why a comparison could not be made (a value of the wrong
	// kind); it does not hold.
	Err string `json:"err,omitempty"`
}

// Position is where a run is in its workflow's steps: the state the
// engine keeps with the run, and gives back for its next step.
type Position struct {
	// Next is the index of the step the run takes next; len(Steps) once
	// the run has taken its last.
	Next int `json:"next"`
	// Jumps counts the times each Jump step (by index) was taken.
	Jumps map[int]int `json:"jumps,omitempty"`
}

// Passed is a Branch or Jump step a run went through on its way to the
// next step that acts.
type Passed struct {
	Step int      `json:"step"`
	Do   StepKind `json:"do"`
	// Taken: the branch's condition held (it went to Then), or the jump
	// was taken (it went to To).
	Taken bool `json:"taken"`
	// To is the index of the step it went on at.
	To int `json:"to"`
	// Trace is the branch's condition's trace.
	Trace []Trace `json:"trace,omitempty"`
}
