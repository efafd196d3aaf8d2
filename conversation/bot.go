package conversation

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// MaxBotNoteLen bounds the note a bot leaves for the agent who takes a
// conversation it handed off, in characters.
const MaxBotNoteLen = 2000

// hold has bot hold cv (R2): it leaves the queue until the bot lets go.
func hold(cv *Conversation, bot string) {
	cv.Bot = bot
	cv.Assignee = ""
	cv.WaitingSince = time.Time{}
	cv.Abandoned = false
}

// held returns the name of the bot that holds cv, "" for none.
func held(cv *Conversation) string {
	if cv.Held() {
		return cv.Bot
	}
	return ""
}

// takenOver ends the hold of the bot that holds ch's conversation, if one
// does, for actor by, who took it: a human, or the bot itself when it
// assigns or transfers it (EventBotHandedOff, which the caller emits).
func (ch *Change) takenOver(by Actor, now time.Time) {
	cv := &ch.Conversation
	if cv.Bot == "" || cv.State != Open {
		return
	}
	bot := cv.Bot
	cv.Bot = ""
	if by.Kind == ActorBot {
		return
	}
	ch.emit(EventBotTakenOver, cv, now, Event{Bot: bot, Agent: cv.Assignee, Team: cv.Team})
}

// BotRelease says how a bot lets go of a conversation it holds.
type BotRelease struct {
	// To is the team whose queue the conversation joins; nil keeps its
	// team (the workspace's queue for none).
	To *Team
	// Agent, if not nil, takes the conversation at once, rather than the
	// queue (R11's manual assignment: presence and capacity are the bot's
	// choice, as they are a host's).
	Agent *Agent
	// Note is left for the agent who takes the conversation, in the
	// event (Event.Detail); at most MaxBotNoteLen characters.
	Note string
	// TurnOff: the bot turned itself off (EventBotTurnedOff rather than
	// EventBotHandedOff).
	TurnOff bool
	// Reason goes into the event's Reason (ReasonBotFailed when the
	// engine gives up on a failing bot); "" for none.
	Reason CloseReason
}

// HandOff applies R2's hand-off: the bot that holds c lets go of it, for
// the queue (of r.To's team, or of its own) or for agent r.Agent, with a
// note for the agent. by is the bot, or the engine acting for it. A
// conversation no bot holds is refused with ErrInvalid: the hand-off is
// the bot's, and a human who took it first has it.
func HandOff(c *Conversation, by Actor, r BotRelease, now time.Time) (Change, error) {
	var ch Change
	if err := checkManage(c, by); err != nil {
		return ch, err
	}
	if c.Bot == "" {
		return ch, fmt.Errorf("%w: conversation %q: no bot holds it", ErrInvalid, c.ID)
	}
	if n := utf8.RuneCountInString(r.Note); n > MaxBotNoteLen || !Storable(r.Note) {
		return ch, fmt.Errorf("%w: bot note of %d characters; at most %d, valid UTF-8 without NUL bytes", ErrInvalid, n, MaxBotNoteLen)
	}
	if r.To != nil && r.To.Workspace != c.Workspace {
		return ch, fmt.Errorf("team %q: %w", r.To.ID, ErrTeamNotFound)
	}
	if r.Agent != nil && r.Agent.Workspace != c.Workspace {
		return ch, fmt.Errorf("agent %q: %w", r.Agent.ID, ErrAgentNotFound)
	}
	cv := *c
	bot := cv.Bot
	cv.Bot = ""
	if r.To != nil {
		cv.Team = r.To.ID
	}
	cv.Version++
	typ := EventBotHandedOff
	if r.TurnOff {
		typ = EventBotTurnedOff
	}
	if r.Agent != nil {
		cv.Assignee, cv.WaitingSince = r.Agent.ID, time.Time{}
		ch.setConversation(cv, Update)
		ch.emit(typ, &cv, now, Event{Bot: bot, Agent: cv.Assignee, Team: cv.Team, Detail: r.Note, Reason: r.Reason})
		ch.emit(EventConversationAssigned, &cv, now, Event{Agent: cv.Assignee, Team: cv.Team})
		return ch, nil
	}
	cv.WaitingSince = now
	ch.setConversation(cv, Update)
	ch.emit(typ, &cv, now, Event{Bot: bot, Team: cv.Team, Detail: r.Note, Reason: r.Reason})
	return ch, nil
}

// HandToBot gives open conversation c to bot (R2): it leaves its assignee
// and the queue, and the bot takes a turn (chatbot.TurnResumed). by is a
// human who hands it back, or the engine for the channel's failure policy
// (reason ReasonNoHuman). A conversation the bot holds already is a no-op.
func HandToBot(c *Conversation, by Actor, bot string, reason CloseReason, now time.Time) (Change, error) {
	var ch Change
	if err := checkManage(c, by); err != nil {
		return ch, err
	}
	if bot == "" {
		return ch, fmt.Errorf("%w: conversation %q: no bot to hand it to", ErrInvalid, c.ID)
	}
	if c.Bot == bot {
		return ch, nil
	}
	cv := *c
	previous := cv.Assignee
	hold(&cv, bot)
	cv.Version++
	ch.setConversation(cv, Update)
	ch.emit(EventBotResumed, &cv, now, Event{Bot: bot, Previous: previous, Reason: reason})
	return ch, nil
}

// AddBotMessage adds to ch, whose conversation is set, a message of the
// bot to the contact: author bot, pending for the channel (R18). Like an
// automatic message it is no activity between contact and agent, so it
// leaves the conversation's timeout alone (R7). A message without a kind
// is text, or a file when it has attachments and no text.
func (ch *Change) AddBotMessage(m Message, now time.Time) error {
	if ch.ConversationWrite == Keep && ch.Conversation.ID == "" {
		return fmt.Errorf("%w: a bot message needs a conversation", ErrInvalid)
	}
	if m.ID == "" {
		return fmt.Errorf("%w: bot message without id", ErrInvalid)
	}
	if m.Kind == 0 {
		m.Kind = KindText
		if m.Text == "" && len(m.Attachments) > 0 {
			m.Kind = KindFile
		}
	}
	if err := validateOutbound(&m); err != nil {
		return err
	}
	m.place(&ch.Conversation, ToContact, Author{Kind: AuthorBot}, now)
	ch.automatic = append(ch.automatic, m)
	ch.emit(EventMessageQueued, &ch.Conversation, now, Event{Message: m.ID, Bot: ch.Conversation.Bot})
	return nil
}
