package template

import (
	"strconv"
	"strings"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// Vars gives the values of variables when a template is rendered.
type Vars interface {
	// Value returns the value of the variable name; false if it has none.
	Value(name string) (string, bool)
}

// Variable describes a variable templates may use.
type Variable struct {
	Name, Description string
}

// FieldPrefix starts the variables of a contact's custom fields:
// contact.fields.plan is the field "plan".
const FieldPrefix = "contact.fields."

// Variables are the variables templates may use, besides the contact's
// custom fields (FieldPrefix).
var Variables = []Variable{
	{"contact.name", "the contact's name as the channel gives it"},
	{"contact.first_name", "the first word of the contact's name"},
	{"contact.last_name", "the rest of the contact's name"},
	{"contact.language", "the contact's language (BCP 47)"},
	{"ticket.number", "the ticket's number in its workspace (1432)"},
	{"ticket.id", "the same as ticket.number"},
	{"ticket.subject", "the ticket's subject"},
	{"conversation.id", "the conversation's id"},
	{"agent.name", "the assigned agent's name"},
	{"agent.first_name", "the first word of the assigned agent's name"},
	{"channel.id", "the channel's id"},
	{"channel.kind", "the channel's kind (telegram)"},
}

// Known reports whether templates may use the variable name.
func Known(name string) bool {
	if key, ok := strings.CutPrefix(name, FieldPrefix); ok {
		return key != "" && !strings.Contains(key, ".")
	}
	for _, v := range Variables {
		if v.Name == name {
			return true
		}
	}
	return false
}

// Data is the values of a conversation's variables. Nil parts have no
// values, and their variables fall back.
type Data struct {
	Contact      *ticket.Contact
	Ticket       *ticket.Ticket
	Conversation *conversation.Conversation
	Agent        *conversation.Agent
	Channel      *channel.Channel
}

// Value returns the value of the variable name.
func (d Data) Value(name string) (string, bool) {
	if key, ok := strings.CutPrefix(name, FieldPrefix); ok {
		if d.Contact == nil {
			return "", false
		}
		v, ok := d.Contact.Fields[key]
		return v, ok
	}
	switch name {
	case "contact.name", "contact.first_name", "contact.last_name", "contact.language":
		if d.Contact == nil {
			return "", false
		}
		switch name {
		case "contact.name":
			return d.Contact.Name, true
		case "contact.language":
			return d.Contact.Language, true
		}
		first, last := splitName(d.Contact.Name)
		if name == "contact.first_name" {
			return first, true
		}
		return last, true
	case "ticket.number", "ticket.id":
		if d.Ticket == nil {
			return "", false
		}
		return strconv.FormatInt(int64(d.Ticket.Number), 10), true
	case "ticket.subject":
		if d.Ticket == nil {
			return "", false
		}
		return d.Ticket.Subject, true
	case "conversation.id":
		if d.Conversation == nil {
			return "", false
		}
		return string(d.Conversation.ID), true
	case "agent.name", "agent.first_name":
		if d.Agent == nil {
			return "", false
		}
		if name == "agent.name" {
			return d.Agent.Name, true
		}
		first, _ := splitName(d.Agent.Name)
		return first, true
	case "channel.id", "channel.kind":
		if d.Channel == nil {
			return "", false
		}
		if name == "channel.id" {
			return string(d.Channel.ID), true
		}
		return string(d.Channel.Kind), true
	}
	return "", false
}

// splitName splits a name at its first space.
func splitName(name string) (first, last string) {
	name = strings.TrimSpace(name)
	first, last, _ = strings.Cut(name, " ")
	return first, strings.TrimSpace(last)
}

// Map is Vars from a map, for tests and hosts with variables of their own
// shape.
type Map map[string]string

// Value returns m[name].
func (m Map) Value(name string) (string, bool) {
	v, ok := m[name]
	return v, ok
}
