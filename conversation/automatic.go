package conversation

import (
	"strings"
	"time"
)

// Hours is what R4 needs of a channel's business hours; *hours.Hours has
// it.
type Hours interface {
	IsOpen(t time.Time) bool
	NextOpen(t time.Time) (time.Time, bool)
}

// NeverOpens names the closed period of a channel that never opens again.
var NeverOpens = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// AutomaticPlan is which automatic messages a contact's message gets.
type AutomaticPlan struct {
	// Welcome: the channel's new-conversation message (R5).
	Welcome bool
	// OutOfHours: the channel's out-of-hours message (R4), for the closed
	// period that ends at PeriodEnd (NeverOpens for a channel that never
	// opens again). Once it is added, MarkOutOfHours(PeriodEnd) records it.
	OutOfHours bool
	PeriodEnd  time.Time
}

// PlanAutomatic applies R5 and R4 to the change ch of a contact's message
// on a channel that has a new-conversation message (welcome) and business
// hours for its out-of-hours message (h; nil when it has none): a message
// that opens the conversation gets the welcome; a message while the
// channel is closed gets the out-of-hours message, once per conversation
// and closed period.
func PlanAutomatic(ch *Change, welcome bool, h Hours, now time.Time) AutomaticPlan {
	return plan(ch.ConversationWrite == Create, ch.Conversation.OutOfHoursUntil, welcome, h, now)
}

// PlanAutomatic is the package-level PlanAutomatic for a contact's message
// in state s, known before Receive decides: what the engine reads to load
// only what the due messages need (their templates, the values of their
// variables). Receive's change gets the same plan.
func (s *InboundState) PlanAutomatic(welcome bool, h Hours, now time.Time) AutomaticPlan {
	var until time.Time // a conversation the message opens was never told
	if s.HasOpen {
		until = s.Open.OutOfHoursUntil
	}
	return plan(!s.HasOpen, until, welcome, h, now)
}

// plan is R5 and R4 for a message that opens a conversation (opens), or
// joins one told of the closed period that ends at until.
func plan(opens bool, until time.Time, welcome bool, h Hours, now time.Time) AutomaticPlan {
	var p AutomaticPlan
	p.Welcome = welcome && opens
	if h == nil || h.IsOpen(now) {
		return p
	}
	// The time the channel opens again names the closed period.
	end, ok := h.NextOpen(now)
	if !ok {
		end = NeverOpens
	}
	if until.Equal(end) {
		return p
	}
	p.OutOfHours, p.PeriodEnd = true, end
	return p
}

// Text is the text of an automatic message, made for the change that
// sends it, whose conversation and ticket it may show; it reads the
// change and does not keep it. Package template's Bound is one: a template
// with the values of its variables.
type Text interface {
	Text(ch *Change) string
}

// Automatic is what R4 and R5 need to know of a channel, as the engine
// loaded it, to add its automatic messages to the change of a contact's
// message (Inbound.Automatic). The zero Automatic sends none.
type Automatic struct {
	// Welcome is the new-conversation message (R5), nil when the channel
	// sends none; WelcomeID is the id it gets.
	Welcome   Text
	WelcomeID MessageID
	// OutOfHours is the out-of-hours message (R4), nil when the channel
	// sends none; OutOfHoursID is the id it gets, and Hours the business
	// hours it follows (nil: it is never sent).
	OutOfHours   Text
	OutOfHoursID MessageID
	Hours        Hours
}

// Add adds to ch, the change of a contact's message, the automatic
// messages a's channel sends (PlanAutomatic): the welcome when the message
// opens the conversation (R5), then the out-of-hours message while the
// channel is closed, recorded with MarkOutOfHours so that it goes once per
// conversation and closed period (R4). Each is made for ch (Text) and is
// pending for the channel (AddAutomatic). A text that is blank — every
// variable of its template fell back to nothing — is no message: nothing is
// added, and a blank out-of-hours message is not recorded as sent, so the
// contact's next message in that period is offered it again.
func (a *Automatic) Add(ch *Change, now time.Time) error {
	h := a.Hours
	if a.OutOfHours == nil {
		h = nil
	}
	p := PlanAutomatic(ch, a.Welcome != nil, h, now)
	if p.Welcome {
		if _, err := ch.addText(a.Welcome, a.WelcomeID, now); err != nil {
			return err
		}
	}
	if !p.OutOfHours {
		return nil
	}
	added, err := ch.addText(a.OutOfHours, a.OutOfHoursID, now)
	if added {
		ch.MarkOutOfHours(p.PeriodEnd)
	}
	return err
}

// addText adds to ch the automatic message t makes for it, with id, unless
// its text is blank, and reports whether it did.
func (c *Change) addText(t Text, id MessageID, now time.Time) (bool, error) {
	// The Text reads a copy: c does not escape through the interface, and
	// a Receive that sends nothing allocates nothing for it.
	view := *c
	text := t.Text(&view)
	if strings.TrimSpace(text) == "" {
		return false, nil
	}
	if err := c.AddAutomatic(Message{ID: id, Text: text}, now); err != nil {
		return false, err
	}
	return true, nil
}
