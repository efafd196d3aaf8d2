package contactcenter

import (
	"context"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// Tagging is a request to add a tag to a ticket or remove one, for
// Engine.TagTicket and Engine.UntagTicket.
type Tagging struct {
	Workspace ticket.WorkspaceID
	Ticket    ticket.ID
	// Tag is trimmed; ticket.Tag says which tags are valid (at most
	// ticket.MaxTagLen characters, no control characters). Tags are
	// case-sensitive, and a ticket carries at most ticket.MaxTags.
	Tag string
	// By is who tags: the host, an agent of the workspace, an automation
	// (bot, workflow). A contact may not. Required.
	By conversation.Actor
}

// TagTicket adds a tag to a ticket and publishes ticket.tagged (R17), its
// Detail the tag. A ticket that has the tag already is left as it is, and
// nothing is published. Errors: CodeNotFound for an unknown ticket or
// agent, CodeInvalid for a missing actor or a tag ticket.Tag refuses (or
// one beyond ticket.MaxTags), CodeForbidden for a contact or an agent of
// another workspace; the ticket is then unchanged (R19).
func (e *Engine) TagTicket(ctx context.Context, r Tagging) (ticket.Ticket, error) {
	return e.onTicket(ctx, "tag ticket", r.Workspace, r.Ticket, r.By, func(t *ticket.Ticket, open *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error) {
		return conversation.TagTicket(t, open, who, r.Tag, now)
	})
}

// UntagTicket removes a tag from a ticket and publishes ticket.untagged
// (R17). A ticket without the tag is left as it is, and nothing is
// published; a tag ticket.Tag refuses is CodeInvalid all the same. Other
// errors are TagTicket's.
func (e *Engine) UntagTicket(ctx context.Context, r Tagging) (ticket.Ticket, error) {
	return e.onTicket(ctx, "untag ticket", r.Workspace, r.Ticket, r.By, func(t *ticket.Ticket, open *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error) {
		return conversation.UntagTicket(t, open, who, r.Tag, now)
	})
}

// onTicket runs a decision on one ticket and its open conversation as a
// step made by actor by, and returns the ticket as it is after the step.
func (e *Engine) onTicket(ctx context.Context, op string, ws ticket.WorkspaceID, id ticket.ID, by conversation.Actor,
	decide func(t *ticket.Ticket, open *conversation.Conversation, who conversation.Actor, now time.Time) (conversation.Change, error)) (ticket.Ticket, error) {
	out, _, err := decideOn(e, ctx, op, ws, by,
		func(tx store.Tx) (ticket.Ticket, error) { return loadTicket(ctx, tx, ws, id) },
		func(tx store.Tx, t *ticket.Ticket, who conversation.Actor, now time.Time) (conversation.Change, error) {
			open, err := ticketConversation(ctx, tx, ws, id)
			if err != nil {
				return conversation.Change{}, err
			}
			return decide(t, open, who, now)
		},
		func(ch *conversation.Change) ticket.Ticket { return ch.Ticket })
	return out, err
}

// ContactFieldChange is a request to set or remove a contact's custom
// field, for Engine.SetContactField and Engine.UnsetContactField.
type ContactFieldChange struct {
	Workspace ticket.WorkspaceID
	Contact   ticket.ContactID
	// Key names the field: a lowercase letter, then up to 63 lowercase
	// letters, digits or underscores (^[a-z][a-z0-9_]{0,63}$,
	// ticket.ValidateFieldKey). A template reads field plan as
	// {{contact.fields.plan}}.
	Key string
	// Value is the field's new value, for SetContactField: not empty,
	// valid UTF-8 without NUL bytes, at most ticket.MaxFieldValueBytes
	// bytes, kept as given. UnsetContactField ignores it.
	Value string
	// By is who changes the field: the host, an agent of the workspace,
	// an automation (bot, workflow). A contact may not. Required.
	By conversation.Actor
}

// SetContactField sets a contact's custom field and publishes
// contact.field_set (R17), with the contact in Contact and the key in
// Detail; the value is read from the contact. An empty value is
// CodeInvalid: UnsetContactField removes a field. Setting the value the
// field has stores and publishes nothing. Errors: CodeNotFound for an
// unknown contact or agent, CodeInvalid for a missing actor, a key or a
// value that breaks the rules of ContactFieldChange or a field beyond
// ticket.MaxFields, CodeForbidden for a contact or an agent of another
// workspace; the contact is then unchanged (R19).
func (e *Engine) SetContactField(ctx context.Context, r ContactFieldChange) (ticket.Contact, error) {
	return e.onContact(ctx, "set contact field", r.Workspace, r.Contact, r.By, func(c *ticket.Contact, who conversation.Actor, now time.Time) (conversation.Change, error) {
		return conversation.SetContactField(c, who, r.Key, r.Value, now)
	})
}

// UnsetContactField removes a contact's custom field and publishes
// contact.field_unset (R17). A contact without the field is left as it
// is, and nothing is published; a key that breaks the rules of
// ContactFieldChange is CodeInvalid all the same, unless the contact holds
// it. Other errors are SetContactField's.
func (e *Engine) UnsetContactField(ctx context.Context, r ContactFieldChange) (ticket.Contact, error) {
	return e.onContact(ctx, "unset contact field", r.Workspace, r.Contact, r.By, func(c *ticket.Contact, who conversation.Actor, now time.Time) (conversation.Change, error) {
		return conversation.UnsetContactField(c, who, r.Key, now)
	})
}

// ContactRenaming is a request to change a contact's name, for
// Engine.RenameContact.
type ContactRenaming struct {
	Workspace ticket.WorkspaceID
	Contact   ticket.ContactID
	// Name is the new name: its white space trimmed and its runs made one,
	// it must not be empty, and holds at most ticket.MaxNameLen
	// characters, valid UTF-8, no control characters (ticket.ContactName).
	Name string
	// By is who renames: the host, an agent of the workspace, an
	// automation (bot, workflow). A contact may not. Required.
	By conversation.Actor
}

// RenameContact changes a contact's name and publishes contact.renamed
// (R17); the name is read from the contact. Giving the name the contact
// has stores and publishes nothing. Errors are SetContactField's, for a
// name ContactRenaming refuses.
func (e *Engine) RenameContact(ctx context.Context, r ContactRenaming) (ticket.Contact, error) {
	return e.onContact(ctx, "rename contact", r.Workspace, r.Contact, r.By, func(c *ticket.Contact, who conversation.Actor, now time.Time) (conversation.Change, error) {
		return conversation.RenameContact(c, who, r.Name, now)
	})
}

// onContact runs a decision on one contact as a step made by actor by, and
// returns the contact as it is after the step.
func (e *Engine) onContact(ctx context.Context, op string, ws ticket.WorkspaceID, id ticket.ContactID, by conversation.Actor,
	decide func(c *ticket.Contact, who conversation.Actor, now time.Time) (conversation.Change, error)) (ticket.Contact, error) {
	out, _, err := decideOn(e, ctx, op, ws, by,
		func(tx store.Tx) (ticket.Contact, error) {
			c, err := tx.Contact(ctx, ws, id)
			return c, notFoundAs(err, ticket.ErrContactNotFound, "contact", id)
		},
		func(_ store.Tx, c *ticket.Contact, who conversation.Actor, now time.Time) (conversation.Change, error) {
			return decide(c, who, now)
		},
		func(ch *conversation.Change) ticket.Contact { return ch.Contact })
	return out, err
}
