package ticket

import (
	"fmt"
	"maps"
	"time"
)

// ContactID identifies a contact within its workspace.
type ContactID string

// MaxFields is the largest number of custom fields on one contact.
const MaxFields = 64

// Contact is a customer. A contact is known on each channel by an external
// id (a Telegram user id, a phone number); the store keeps that mapping, so
// one contact can write on several channels.
type Contact struct {
	ID        ContactID
	Workspace WorkspaceID
	// Name is the display name the contact gave on their channel.
	Name string
	// Language is a BCP 47 tag ("es-MX") taken from the channel when known.
	// Answers to the contact are chosen from it.
	Language string
	// Fields are the host's custom fields (plan, customer number…).
	Fields map[string]string
	// Unreachable is set when a channel refused a message because the
	// contact blocked the account; their next message clears it.
	Unreachable bool
	CreatedAt   time.Time
	// Version counts stored changes, as Ticket.Version does.
	Version int64
}

// NewContact returns a new contact with version 1.
func NewContact(id ContactID, ws WorkspaceID, name, language string, now time.Time) (Contact, error) {
	switch {
	case id == "":
		return Contact{}, fmt.Errorf("%w: empty contact id", ErrInvalid)
	case ws == "":
		return Contact{}, fmt.Errorf("%w: empty workspace", ErrInvalid)
	}
	return Contact{ID: id, Workspace: ws, Name: name, Language: language, CreatedAt: now, Version: 1}, nil
}

// WithField returns the contact with custom field key set to value. An
// empty value removes the field.
func (c Contact) WithField(key, value string) (Contact, error) {
	if key == "" {
		return c, fmt.Errorf("%w: empty field name", ErrInvalid)
	}
	if _, ok := c.Fields[key]; !ok && value != "" && len(c.Fields) >= MaxFields {
		return c, fmt.Errorf("%w: more than %d fields", ErrInvalid, MaxFields)
	}
	fields := maps.Clone(c.Fields)
	if value == "" {
		delete(fields, key)
	} else {
		if fields == nil {
			fields = make(map[string]string, 1)
		}
		fields[key] = value
	}
	c.Fields = fields
	c.Version++
	return c, nil
}
