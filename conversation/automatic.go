package conversation

import "time"

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
	var p AutomaticPlan
	p.Welcome = welcome && ch.ConversationWrite == Create
	if h == nil || h.IsOpen(now) {
		return p
	}
	// The time the channel opens again names the closed period.
	end, ok := h.NextOpen(now)
	if !ok {
		end = NeverOpens
	}
	if ch.Conversation.OutOfHoursUntil.Equal(end) {
		return p
	}
	p.OutOfHours, p.PeriodEnd = true, end
	return p
}
