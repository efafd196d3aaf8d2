package conversation

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/ticket"
)

// mayManage reports whether actor may change the assignment of c or close
// it: the host, the engine's rules and automations (bot, workflow), a
// supervisor, the assignee, or any agent of the workspace while c waits in
// the queue. An agent may not take a conversation from another agent, and
// a contact manages nothing.
func (a Actor) mayManage(c *Conversation) error {
	if err := a.Validate(); err != nil {
		return err
	}
	switch a.Kind {
	case ActorContact:
		return fmt.Errorf("contact %q may not manage conversations: %w", a.ID, ErrForbidden)
	case ActorAgent:
	default:
		return nil
	}
	if a.Workspace != c.Workspace {
		return fmt.Errorf("agent %q of another workspace: %w", a.ID, ErrForbidden)
	}
	if a.Role == RoleSupervisor || c.Assignee == "" || c.Assignee == a.Agent() {
		return nil
	}
	return fmt.Errorf("conversation %q is assigned to %q, not to %q: %w", c.ID, c.Assignee, a.ID, ErrForbidden)
}

// InboundState is what R9 needs to know about a contact on a channel. The
// engine fills Open, or else Latest and LatestTicket; when NeedsTicket
// reports true it also reserves a ticket id and number. (Values with flags
// rather than pointers keep the hot path free of allocations.)
type InboundState struct {
	// Open is the contact's open conversation on the channel, if HasOpen.
	Open    Conversation
	HasOpen bool
	// Latest is the contact's latest conversation on the channel, if
	// HasLatest, and LatestTicket its ticket. Used only without HasOpen.
	Latest       Conversation
	LatestTicket ticket.Ticket
	HasLatest    bool
	// LatestTicketBusy reports that LatestTicket, open, has an open
	// conversation on another of the contact's channels: a ticket has at
	// most one open conversation, so the message opens a new ticket rather
	// than taking the ticket from the conversation that holds it (R9, R12).
	LatestTicketBusy bool

	// NewConversation is the id of the conversation to open without HasOpen.
	NewConversation ID
	// NewTicket and NewTicketNumber are the id and number of the ticket to
	// open when NeedsTicket reports true.
	NewTicket       ticket.ID
	NewTicketNumber ticket.Number
}

// NeedsTicket reports whether a message in this state opens a new ticket
// (R9): there is no open conversation, and the latest conversation's ticket
// is missing, closed, or held by an open conversation on another channel
// (LatestTicketBusy).
func (s *InboundState) NeedsTicket() bool {
	return !s.HasOpen && (!s.HasLatest || s.LatestTicket.Status != ticket.Open || s.LatestTicketBusy)
}

// Inbound is a contact's message for Receive.
type Inbound struct {
	Workspace         ticket.WorkspaceID
	Contact           ticket.ContactID
	ContactExternalID string
	// Message carries ID, Channel, ExternalID, Kind, Text and Attachments;
	// Receive fills in the rest.
	Message Message
	// Automatic are the channel's automatic messages (R4, R5), which
	// Receive adds as Automatic.Add says; the zero value sends none.
	Automatic Automatic
	// Bot names the channel's chatbot (R2): a conversation the message
	// opens is held by it rather than waiting in the queue. "" for none.
	Bot string
}

// Receive applies R9 to a contact's message: it joins the contact's open
// conversation on the channel; with none, it opens a conversation on the
// ticket of the contact's latest conversation if that ticket is open, or on
// a new ticket otherwise. A new conversation is unassigned and waits in the
// queue. The channel's automatic messages, the welcome (R5) and the
// out-of-hours message (R4), are added with their final texts
// (in.Automatic): the Change is whole, and the engine only commits it.
//
// The message is cleaned first (Clean): what a store could not hold is
// repaired, a text beyond MaxTextBytes is cut and a file beyond
// MaxAttachmentSize is kept marked Oversize, each flagged in
// Message.Altered and in the message.received event, so that nothing the
// contact sends is refused for what can be repaired (R18).
func Receive(s *InboundState, in *Inbound, now time.Time) (Change, error) {
	var ch Change
	err := ReceiveInto(&ch, s, in, now)
	return ch, err
}

// ReceiveInto is Receive deciding into ch, which it empties first while
// keeping the room of its lists, so that a caller deciding many messages
// reuses one Change. On an error ch is not to be committed.
func ReceiveInto(ch *Change, s *InboundState, in *Inbound, now time.Time) error {
	ch.Reset()
	m := in.Message
	Clean(&m)
	if err := validateContent(&m); err != nil {
		return err
	}
	switch {
	case in.Workspace == "" || in.Contact == "" || m.ID == "" || m.Channel == "":
		return fmt.Errorf("%w: inbound message without workspace, contact, id or channel", ErrInvalid)
	case m.ExternalID == "":
		return fmt.Errorf("%w: inbound message without the channel's message id (R18)", ErrInvalid)
	}

	var cv Conversation
	if s.HasOpen {
		cv = s.Open
		if cv.State != Open {
			return fmt.Errorf("conversation %q: %w", cv.ID, ErrClosed)
		}
		cv.LastActivity = now
		cv.Version++
		ch.setConversation(cv, Update)
	} else {
		var t ticket.Ticket
		if s.NewConversation == "" {
			return fmt.Errorf("%w: no id for the new conversation", ErrInvalid)
		}
		if s.HasLatest && (s.LatestTicket.ID == "" || s.LatestTicket.ID != s.Latest.Ticket) {
			return fmt.Errorf("%w: latest conversation %q without its ticket", ErrInvalid, s.Latest.ID)
		}
		if s.NeedsTicket() {
			var err error
			t, err = ticket.New(s.NewTicket, in.Workspace, s.NewTicketNumber, in.Contact, subjectOf(&m), now)
			if err != nil {
				return err
			}
			ch.setTicket(t, Create)
		} else {
			// The ticket is written too, though unchanged but for its
			// version, so that closing it at the same moment collides with
			// this (R12): no open conversation on a closed ticket.
			t = s.LatestTicket
			t.Version++
			ch.setTicket(t, Update)
		}
		cv = opened(s.NewConversation, &t, m.Channel, in.Contact, in.ContactExternalID, now)
		if in.Bot != "" {
			hold(&cv, in.Bot) // R2: the bot answers first
		}
		ch.setConversation(cv, Create)
		if ch.TicketWrite == Create {
			ch.emit(EventTicketOpened, &cv, now, Event{})
		}
		ch.emit(EventConversationOpened, &cv, now, Event{Bot: cv.Bot})
	}

	m.place(&cv, FromContact, Author{Kind: AuthorContact}, now)
	ch.setMessage(m, Create)
	ch.emit(EventMessageReceived, &cv, now, Event{Message: m.ID, Altered: m.Altered, Bot: held(&cv)})
	if err := in.Automatic.Add(ch, now); err != nil {
		ch.Reset()
		return err
	}
	return nil
}

// subjectOf returns a ticket subject for a first message: its text, or the
// name of its first attachment; none for a command.
func subjectOf(m *Message) string {
	if m.Kind == KindCommand {
		return "" // a command says what to do, not what the case is about
	}
	if strings.TrimSpace(m.Text) != "" || len(m.Attachments) == 0 {
		return ticket.Subject(m.Text)
	}
	return ticket.Subject(m.Attachments[0].Name)
}

// Reply applies R10 to an agent's reply: the message is stored as pending
// for the channel (R18) and, if the conversation is unassigned, the agent
// becomes its assignee. A reply to a conversation assigned to another agent
// is delivered but does not take the conversation over. A reply to a
// conversation a bot holds takes it from the bot (R2).
func Reply(c *Conversation, by *Agent, m Message, now time.Time) (Change, error) {
	var ch Change
	if err := validateOutbound(&m); err != nil {
		return ch, err
	}
	if m.ID == "" || by.ID == "" {
		return ch, fmt.Errorf("%w: reply without message or agent id", ErrInvalid)
	}
	if by.Workspace != c.Workspace {
		return ch, fmt.Errorf("agent %q of another workspace: %w", by.ID, ErrForbidden)
	}
	if c.State != Open {
		return ch, fmt.Errorf("conversation %q: %w", c.ID, ErrClosed)
	}
	cv := *c
	cv.LastActivity = now
	cv.Version++
	if cv.Assignee == "" {
		cv.Assignee = by.ID
		cv.WaitingSince = time.Time{}
		cv.Abandoned = false
		ch.emit(EventConversationAssigned, &cv, now, Event{Agent: by.ID})
	}
	ch.setConversation(cv, Update)
	ch.takenOver(Actor{Kind: ActorAgent, ID: string(by.ID)}, now)
	cv = ch.Conversation

	m.place(&cv, ToContact, Author{Kind: AuthorAgent, Agent: by.ID}, now)
	ch.setMessage(m, Create)
	ch.emit(EventMessageQueued, &cv, now, Event{Message: m.ID, Agent: by.ID})
	return ch, nil
}

// validateOutbound checks an outbound message's content, including the
// size limit of attachments and the voice-note limit of R13.
func validateOutbound(m *Message) error {
	if err := validateContent(m); err != nil {
		return err
	}
	for i, a := range m.Attachments {
		if a.Size > MaxAttachmentSize || a.Oversize {
			return fmt.Errorf("%w: attachment %d: size %d exceeds %d bytes (R13)", ErrInvalid, i+1, a.Size, MaxAttachmentSize)
		}
	}
	if m.Kind == KindCommand {
		return fmt.Errorf("%w: agents do not send commands", ErrInvalid)
	}
	if m.Kind == KindVoice {
		for _, a := range m.Attachments {
			if a.Duration > MaxVoiceDuration {
				return fmt.Errorf("%w: voice note of %s exceeds %s (R13)", ErrInvalid, a.Duration, MaxVoiceDuration)
			}
		}
	}
	return nil
}

// Assign applies R11's manual assignment: the conversation goes to agent
// to, and from the bot that held it, if one did (R2).
// Assigning to the current assignee is a no-op (an empty Change). Manual
// assignment is the actor's decision: it does not check the agent's
// presence or capacity, which automatic assignment respects.
func Assign(c *Conversation, by Actor, to *Agent, now time.Time) (Change, error) {
	var ch Change
	if err := checkManage(c, by); err != nil {
		return ch, err
	}
	if to.ID == "" {
		return ch, fmt.Errorf("%w: assignment to an agent without id", ErrInvalid)
	}
	if to.Workspace != c.Workspace {
		return ch, fmt.Errorf("agent %q: %w", to.ID, ErrAgentNotFound)
	}
	if c.Assignee == to.ID {
		return ch, nil
	}
	cv := *c
	cv.Assignee = to.ID
	cv.WaitingSince = time.Time{}
	cv.Abandoned = false
	cv.Version++
	ch.setConversation(cv, Update)
	ch.emit(EventConversationAssigned, &cv, now, Event{Agent: to.ID, Previous: c.Assignee, Team: cv.Team})
	ch.takenOver(by, now)
	return ch, nil
}

// Unassign applies R11's unassignment: the conversation returns to the queue
// of its team, waiting from now. Unassigning an unassigned conversation is a
// no-op.
func Unassign(c *Conversation, by Actor, now time.Time) (Change, error) {
	var ch Change
	if err := checkManage(c, by); err != nil {
		return ch, err
	}
	if c.Assignee == "" {
		return ch, nil
	}
	cv := *c
	cv.Assignee = ""
	cv.WaitingSince = now
	cv.Version++
	ch.setConversation(cv, Update)
	ch.emit(EventConversationUnassigned, &cv, now, Event{Previous: c.Assignee, Team: cv.Team})
	return ch, nil
}

// TransferToTeam applies R11's transfer to a team: the conversation is
// unassigned, if it had an assignee, and waits in the team's queue from
// now. The team must belong to the conversation's workspace. A
// conversation a bot held leaves the bot (R2).
func TransferToTeam(c *Conversation, by Actor, to *Team, now time.Time) (Change, error) {
	var ch Change
	if err := checkManage(c, by); err != nil {
		return ch, err
	}
	if to.Workspace != c.Workspace {
		return ch, fmt.Errorf("team %q: %w", to.ID, ErrTeamNotFound)
	}
	if c.Team == to.ID && c.Assignee == "" && c.Bot == "" {
		return ch, nil
	}
	cv := *c
	cv.Team = to.ID
	cv.Assignee = ""
	cv.WaitingSince = now
	cv.Version++
	ch.setConversation(cv, Update)
	ch.emit(EventConversationTransferred, &cv, now, Event{Previous: c.Assignee, Team: to.ID})
	ch.takenOver(by, now)
	return ch, nil
}

func checkManage(c *Conversation, by Actor) error {
	if c.State != Open {
		return fmt.Errorf("conversation %q: %w", c.ID, ErrClosed)
	}
	return by.mayManage(c)
}

// Close applies R12: the conversation closes with the reason and the closing
// note, leaves the queue and loses its assignee. The contact re-enters the
// queue only when they write again (R9). The ticket is not touched.
func Close(c *Conversation, by Actor, reason CloseReason, note ClosingNote, now time.Time) (Change, error) {
	var ch Change
	if err := checkManage(c, by); err != nil {
		return ch, err
	}
	if err := validateNote(&note); err != nil {
		return ch, err
	}
	cv := closed(c, by, reason, note, now)
	ch.setConversation(cv, Update)
	ch.emit(EventConversationClosed, &cv, now, Event{Agent: by.Agent(), Previous: c.Assignee, Reason: reason})
	return ch, nil
}

func closed(c *Conversation, by Actor, reason CloseReason, note ClosingNote, now time.Time) Conversation {
	cv := *c
	cv.State = Closed
	cv.ClosedAt = now
	cv.CloseReason = reason
	cv.ClosedBy = by.Agent()
	cv.ClosingNote = note
	cv.Assignee = ""
	cv.WaitingSince = time.Time{}
	cv.Abandoned = false
	cv.Version++
	return cv
}

func validateNote(n *ClosingNote) error {
	n.Category = strings.TrimSpace(n.Category)
	n.Summary = strings.TrimSpace(n.Summary)
	switch {
	case utf8.RuneCountInString(n.Category) > MaxCategoryLen:
		return fmt.Errorf("%w: closing note category longer than %d characters", ErrInvalid, MaxCategoryLen)
	case utf8.RuneCountInString(n.Summary) > MaxSummaryLen:
		return fmt.Errorf("%w: closing note summary longer than %d characters", ErrInvalid, MaxSummaryLen)
	case !utf8.ValidString(n.Category) || !utf8.ValidString(n.Summary):
		return fmt.Errorf("%w: closing note is not valid UTF-8", ErrInvalid)
	}
	return nil
}

// CloseTicket applies R12 to a ticket: the ticket closes and so does its
// open conversation, if any (open), with reason ReasonTicketClosed and the
// closing note. An agent may close a ticket whose conversation is assigned
// to another agent only as a supervisor.
func CloseTicket(t *ticket.Ticket, open *Conversation, by Actor, note ClosingNote, now time.Time) (Change, error) {
	var ch Change
	if err := by.Validate(); err != nil {
		return ch, err
	}
	if by.IsAgent() && by.Workspace != t.Workspace {
		return ch, fmt.Errorf("agent %q of another workspace: %w", by.ID, ErrForbidden)
	}
	if by.Kind == ActorContact {
		return ch, fmt.Errorf("contact %q may not close tickets: %w", by.ID, ErrForbidden)
	}
	if open != nil {
		if open.Ticket != t.ID || open.State != Open {
			return ch, fmt.Errorf("%w: conversation %q is not the open conversation of ticket #%d", ErrInvalid, open.ID, t.Number)
		}
		if err := by.mayManage(open); err != nil {
			return ch, err
		}
	}
	if err := validateNote(&note); err != nil {
		return ch, err
	}
	nt, err := t.Close(now)
	if err != nil {
		return ch, err
	}
	nt.Version++
	ch.setTicket(nt, Update)
	ref := Conversation{Workspace: t.Workspace, Ticket: t.ID, TicketNumber: t.Number}
	if open != nil {
		cv := closed(open, by, ReasonTicketClosed, note, now)
		ch.setConversation(cv, Update)
		ch.emit(EventConversationClosed, &cv, now, Event{Agent: by.Agent(), Previous: open.Assignee, Reason: ReasonTicketClosed})
		ref.ID = cv.ID
	}
	ch.emit(EventTicketClosed, &ref, now, Event{Agent: by.Agent()})
	return ch, nil
}

// opened returns a new conversation of contact on ticket t, open and
// waiting in the queue since now.
func opened(id ID, t *ticket.Ticket, ch channel.ID, contact ticket.ContactID, ext string, now time.Time) Conversation {
	return Conversation{
		ID:                id,
		Workspace:         t.Workspace,
		Ticket:            t.ID,
		TicketNumber:      t.Number,
		Channel:           ch,
		Contact:           contact,
		ContactExternalID: ext,
		State:             Open,
		Priority:          t.Priority,
		WaitingSince:      now,
		OpenedAt:          now,
		LastActivity:      now,
		Version:           1,
	}
}
