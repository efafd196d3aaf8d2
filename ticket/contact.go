package ticket

import (
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ContactID identifies a contact within its workspace.
type ContactID string

// Limits on contacts.
const (
	// MaxFields is the largest number of custom fields on one contact.
	MaxFields = 64
	// MaxFieldKeyLen is the longest custom field key, in bytes (keys are
	// ASCII; see ValidateFieldKey).
	MaxFieldKeyLen = 64
	// MaxFieldValueBytes is the longest custom field value, in bytes of
	// UTF-8.
	MaxFieldValueBytes = 1024
	// MaxNameLen is the longest name Rename gives a contact, in
	// characters. A name that comes from a channel is kept as the channel
	// gives it.
	MaxNameLen = 200
)

// Contact is a customer. A contact is known on each channel by an external
// id (a Telegram user id, a phone number); the store keeps that mapping, so
// one contact can write on several channels.
//
// The methods that change a contact (WithField, WithoutField, Rename)
// return the changed value and leave Version alone: the decision that
// writes the contact sets the version it is stored with.
type Contact struct {
	ID        ContactID
	Workspace WorkspaceID
	// Name is the display name the contact gave on their channel, until
	// Rename gives another.
	Name string
	// Language is a BCP 47 tag ("es-MX") taken from the channel when known.
	// Answers to the contact are chosen from it.
	Language string
	// Fields are the host's custom fields (plan, customer number…), by
	// key; a template reads field plan as {{contact.fields.plan}}.
	Fields map[string]string
	// Unreachable is set when a channel refused a message because the
	// contact blocked the account; their next message clears it.
	Unreachable bool
	// Renamed is set once the name was given through Rename (by an agent,
	// the host or an automation): the name a channel gives no longer
	// replaces it.
	Renamed   bool
	CreatedAt time.Time
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

// ValidateFieldKey checks that key can name a custom field: a lowercase
// ASCII letter, then up to 63 lowercase letters, digits or underscores
// (^[a-z][a-z0-9_]{0,63}$). Every such key is also a template variable,
// contact.fields.<key>.
func ValidateFieldKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty field key", ErrInvalid)
	case len(key) > MaxFieldKeyLen:
		return fmt.Errorf("%w: field key of %d bytes, longer than %d", ErrInvalid, len(key), MaxFieldKeyLen)
	case key[0] < 'a' || key[0] > 'z':
		return fmt.Errorf("%w: field key %q does not start with a lowercase letter a-z", ErrInvalid, key)
	}
	for i := 1; i < len(key); i++ {
		if c := key[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return fmt.Errorf("%w: field key %q holds %q; keys take a-z, 0-9 and _", ErrInvalid, key, rune(c))
		}
	}
	return nil
}

// ValidateFieldValue checks that value can be stored in a custom field:
// not empty, valid UTF-8 without NUL bytes, at most MaxFieldValueBytes
// bytes. It is kept as given, not trimmed.
func ValidateFieldValue(value string) error {
	switch {
	case value == "":
		return fmt.Errorf("%w: empty field value", ErrInvalid)
	case len(value) > MaxFieldValueBytes:
		return fmt.Errorf("%w: field value of %d bytes, longer than %d", ErrInvalid, len(value), MaxFieldValueBytes)
	case !utf8.ValidString(value):
		return fmt.Errorf("%w: field value is not valid UTF-8", ErrInvalid)
	case strings.IndexByte(value, 0) >= 0:
		return fmt.Errorf("%w: field value holds a NUL byte", ErrInvalid)
	}
	return nil
}

// WithField returns the contact with custom field key set to value; the
// key must pass ValidateFieldKey and the value ValidateFieldValue, and a
// contact holds at most MaxFields fields. An empty value removes the
// field, as WithoutField does. Version is left as it is.
func (c Contact) WithField(key, value string) (Contact, error) {
	if value == "" {
		return c.WithoutField(key)
	}
	if err := ValidateFieldKey(key); err != nil {
		return c, err
	}
	if err := ValidateFieldValue(value); err != nil {
		return c, fmt.Errorf("field %q: %w", key, err)
	}
	if _, ok := c.Fields[key]; !ok && len(c.Fields) >= MaxFields {
		return c, fmt.Errorf("%w: more than %d fields", ErrInvalid, MaxFields)
	}
	fields := maps.Clone(c.Fields)
	if fields == nil {
		fields = make(map[string]string, 1)
	}
	fields[key] = value
	c.Fields = fields
	return c, nil
}

// WithoutField returns the contact without custom field key. Removing an
// absent field changes nothing; a key the contact does not hold must still
// pass ValidateFieldKey, so that a mistyped key is an error, while a
// present key is removed whatever its syntax. Version is left as it is.
func (c Contact) WithoutField(key string) (Contact, error) {
	if _, ok := c.Fields[key]; !ok {
		if err := ValidateFieldKey(key); err != nil {
			return c, err
		}
		return c, nil
	}
	fields := maps.Clone(c.Fields)
	delete(fields, key)
	c.Fields = fields
	return c, nil
}

// ContactName turns a name a person gives a contact into the name stored:
// trimmed, its runs of white space made one. It fails with ErrInvalid for a
// name that is empty, longer than MaxNameLen characters, not valid UTF-8
// or holding control characters.
func ContactName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("%w: contact name is not valid UTF-8", ErrInvalid)
	}
	name = strings.Join(strings.Fields(name), " ")
	switch {
	case name == "":
		return "", fmt.Errorf("%w: empty contact name", ErrInvalid)
	case utf8.RuneCountInString(name) > MaxNameLen:
		return "", fmt.Errorf("%w: contact name of %d characters, longer than %d", ErrInvalid, utf8.RuneCountInString(name), MaxNameLen)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", fmt.Errorf("%w: contact name holds a control character", ErrInvalid)
	}
	return name, nil
}

// Rename returns the contact named name, as ContactName makes it, and
// Renamed, so that the channel's name no longer replaces it. Version is
// left as it is.
func (c Contact) Rename(name string) (Contact, error) {
	n, err := ContactName(name)
	if err != nil {
		return c, err
	}
	c.Name, c.Renamed = n, true
	return c, nil
}
