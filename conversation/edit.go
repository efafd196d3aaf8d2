package conversation

import (
	"fmt"
	"time"
)

// Edit applies an edit of message m's text by its author, at now: the
// earlier text is kept as a revision and an event is published. It serves
// two cases:
//
//   - R8: an agent edits a text message they sent. The message becomes
//     pending again, so that the edit is pushed to the channel by the same
//     delivery that sends messages (stored before it is sent, R18). Only the
//     author may edit, and only once the channel has the message.
//   - A contact edits a message they sent (the channel reports it); the
//     edit is recorded and nothing is sent.
//
// Editing to the same text is a no-op (an empty Change). A contact's edit
// is cleaned as their message was (Clean), and what was done is added to
// the message's Altered.
func Edit(m *Message, by Author, text string, now time.Time) (Change, error) {
	var ch Change
	if by != m.Author {
		return ch, fmt.Errorf("message %q was written by another author: %w", m.ID, ErrForbidden)
	}
	nm := *m
	nm.Text = text
	if by.Kind == AuthorContact {
		Clean(&nm)
		text = nm.Text
	}
	if err := validateContent(&nm); err != nil {
		return ch, err
	}
	if text == m.Text {
		return ch, nil
	}
	if m.Direction == ToContact {
		switch {
		case m.Kind != KindText:
			return ch, fmt.Errorf("%w: only text messages can be edited, not %s", ErrInvalid, m.Kind)
		case m.Delivery != DeliverySent && !m.Editing():
			return ch, fmt.Errorf("%w: message %q is %s; only a sent message can be edited", ErrInvalid, m.ID, m.Delivery)
		}
		nm.Delivery = DeliveryPending
		nm.Attempts = 0 // the edit's own attempts
		nm.NextAttempt = now
		nm.Failure = ""
	}
	nm.Revisions = append(append([]Revision(nil), m.Revisions...), Revision{Text: m.Text, At: now})
	nm.Version++
	ch.setMessage(nm, Update)
	ch.emit(EventMessageEdited, messageRef(&nm), now, Event{Message: nm.ID, Agent: nm.Author.Agent, Altered: nm.Altered})
	return ch, nil
}
