package template

import "github.com/telenet/contactcenter/conversation"

// Bound is a template with the values of its variables that a change does
// not carry, for an automatic message (R4, R5): Data gives the contact,
// whose language picks the variant, the assigned agent, the channel, and
// the ticket of a conversation the change keeps; the change gives its
// conversation, and its ticket when it writes one. It is a
// conversation.Text, so that the decision that adds the message renders it
// with no store.
type Bound struct {
	Template *Template
	Data     Data
}

// Text renders b for change ch, in the language of b's contact (R15).
func (b Bound) Text(ch *conversation.Change) string {
	if b.Template == nil {
		return ""
	}
	d := b.Data
	d.Conversation = &ch.Conversation
	if ch.TicketWrite != conversation.Keep {
		d.Ticket = &ch.Ticket
	}
	var lang string
	if d.Contact != nil {
		lang = d.Contact.Language
	}
	return b.Template.Render(lang, d)
}
