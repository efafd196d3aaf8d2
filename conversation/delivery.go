package conversation

import (
	"fmt"
	"time"
)

// checkPending reports whether m is an outbound message still waiting for
// the channel.
func checkPending(m *Message) error {
	if m.Direction != ToContact {
		return fmt.Errorf("%w: message %q is not outbound", ErrInvalid, m.ID)
	}
	if m.Delivery != DeliveryPending {
		return fmt.Errorf("%w: message %q is %s, not pending", ErrInvalid, m.ID, m.Delivery)
	}
	return nil
}

// Claim records that an engine is about to send the pending message m: the
// attempt is counted and the message is not due again until until, so no
// other engine sends it meanwhile. If the claimer stops before it records
// the outcome, the message is sent again after until (R18).
func Claim(m *Message, until time.Time) (Change, error) {
	var ch Change
	if err := checkPending(m); err != nil {
		return ch, err
	}
	nm := *m
	nm.Attempts++
	nm.NextAttempt = until
	nm.Version++
	ch.setMessage(nm, Update)
	return ch, nil
}

// Sent records that the channel accepted the pending message m and gave it
// the reference ref (R18). The reference is what an edit names later (R8).
// For an edit (m.Editing), the channel keeps its reference and ref is
// ignored.
func Sent(m *Message, ref string, now time.Time) (Change, error) {
	var ch Change
	if err := checkPending(m); err != nil {
		return ch, err
	}
	nm := *m
	if !m.Editing() {
		nm.ExternalID = ref
	}
	nm.Delivery = DeliverySent
	nm.NextAttempt = time.Time{}
	nm.Failure = ""
	nm.Version++
	ch.setMessage(nm, Update)
	ch.emit(EventMessageSent, messageRef(&nm), now, Event{Message: nm.ID, Agent: nm.Author.Agent})
	return ch, nil
}

// Failed records that the channel definitely refused the pending message m
// (R18); reason says why, for people. A refused edit leaves the message
// sent, as the channel shows it, with the failure noted.
func Failed(m *Message, reason string, now time.Time) (Change, error) {
	var ch Change
	if err := checkPending(m); err != nil {
		return ch, err
	}
	nm := *m
	nm.Delivery = DeliveryFailed
	if m.Editing() {
		nm.Delivery = DeliverySent
	}
	nm.NextAttempt = time.Time{}
	nm.Failure = reason
	nm.Version++
	ch.setMessage(nm, Update)
	ch.emit(EventMessageFailed, messageRef(&nm), now, Event{Message: nm.ID, Agent: nm.Author.Agent})
	return ch, nil
}

// Retry records a failed attempt to send the pending message m: it stays
// pending and is tried again at next (R18). No event is published; the
// message is still on its way.
func Retry(m *Message, reason string, next time.Time) (Change, error) {
	var ch Change
	if err := checkPending(m); err != nil {
		return ch, err
	}
	nm := *m
	nm.NextAttempt = next
	nm.Failure = reason
	nm.Version++
	ch.setMessage(nm, Update)
	return ch, nil
}

// messageRef returns the conversation reference that events about m carry.
func messageRef(m *Message) *Conversation {
	return &Conversation{ID: m.Conversation, Workspace: m.Workspace, Ticket: m.Ticket}
}
