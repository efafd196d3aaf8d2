package command

import "github.com/telenet/contactcenter/ticket"

// Move says where a contact's command takes them (R6).
type Move uint8

// Moves.
const (
	// Stay: the contact stays in their conversation; the command and its
	// answer are recorded there.
	Stay Move = iota
	// MoveNew: the current conversation closes and one opens on a new
	// ticket (R6.1).
	MoveNew
	// MoveSwitch: the current conversation closes and one opens on the
	// ticket the command names (R6.2).
	MoveSwitch
)

// Situation is what R6 needs to know to carry out a contact's command, as
// the engine loaded it.
type Situation struct {
	Command Command
	// Usage is the error of a command that is malformed (ErrUsage).
	Usage     error
	Workspace ticket.WorkspaceID
	Contact   ticket.ContactID
	// Current is the ticket of the contact's open conversation on the
	// channel, empty when they have none.
	Current ticket.ID
	// Target is the ticket a Switch names, if one has that number in the
	// workspace (HasTarget); TargetBusy reports that it has an open
	// conversation, on another channel of the contact's.
	Target     ticket.Ticket
	HasTarget  bool
	TargetBusy bool
}

// Outcome is what a command does: the answer the contact gets and where
// the command takes them.
type Outcome struct {
	Answer Key // "" for List, whose answer is the list (Answers.List)
	Move   Move
}

// Decide applies R6 to a contact's command in situation s. A malformed
// command gets the usage answer. New opens a ticket. Switch moves to the
// named ticket when it is one of the contact's open tickets and not the
// current one (KeyAlready) nor being answered in another conversation of
// theirs, on another channel (KeyElsewhere); a
// number that does not exist, is another contact's, another workspace's or
// closed gets one and the same answer, so that nothing leaks (R6.2). List
// answers with the list.
func Decide(s Situation) Outcome {
	switch {
	case s.Usage != nil:
		return Outcome{Answer: KeyUsage}
	case s.Command.Kind == New:
		return Outcome{Answer: KeyOpened, Move: MoveNew}
	case s.Command.Kind == Switch:
		t := &s.Target
		switch {
		case !s.HasTarget || t.Contact != s.Contact || t.Workspace != s.Workspace || t.Status != ticket.Open:
			return Outcome{Answer: KeyNotFound}
		case t.ID == s.Current:
			return Outcome{Answer: KeyAlready}
		case s.TargetBusy:
			return Outcome{Answer: KeyElsewhere}
		}
		return Outcome{Answer: KeySwitched, Move: MoveSwitch}
	}
	return Outcome{}
}
